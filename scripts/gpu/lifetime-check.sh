#!/usr/bin/env bash
# GPU machine (Node carried as .servebench/node-runtime.tar.xz, see pack-node.sh): two test files on
# one GPU slot through the process target, each starting the GPU stand-in; each file records, when
# it starts, the stand-ins still running and the GPU memory in use (test/e2e/fixture/lifetime.ts).
# Then handle.stop() and a failed start of several (stop-handle.test.ts). With OLD_TREE set (a copy
# of an older servebench beside node_modules, e.g. .servebench/old), the same runs on it first.
set -u
export NODE_OPTIONS=--conditions=servebench-source
root="$PWD"
out="${OUT:-/tmp/servebench-gpu}"
mkdir -p "$out"
if [ ! -x node_modules/.bin/node ]; then tar -xJf .servebench/node-runtime.tar.xz; fi
export PATH="$PWD/node_modules/.bin:$PATH"
nvidia-smi --query-gpu=index,name,memory.used,memory.total --format=csv,noheader 2>&1 | tee "$out/gpu-before.txt"
run() { # tree label
  local tree="$1" label="$2" marker="gpu-life-$2-$$"
  : >"$out/$label-lifetime.jsonl"
  local options
  options=$(printf '{"target":"process","gpus":["0"],"resultsDir":"%s","baselinesDir":"%s","command":["python3","%s","--model","{model}","--port","{port}","{args}"]}' \
    "$out/$label-results" "$out/$label-baselines" "$root/fixtures/gpu-server/server.py")
  echo "== $label: life-a, life-b on one slot ($(date +%T))"
  (cd "$tree/test/e2e/fixture" && FX_OPTIONS="$options" FX_INCLUDE='life-*.test.ts' FX_MARKER="$marker" \
    FX_LIFETIME_LOG="$out/$label-lifetime.jsonl" SERVEBENCH_TELEMETRY=0 CI= timeout 280 \
    node "$root/node_modules/vitest/vitest.mjs" run --configLoader native --root . 2>&1 | tail -15)
  cat "$out/$label-lifetime.jsonl"
  echo "left after the run: $(ps -eo args | grep -c "[s]erved-model-name $marker")"
}
if [ -n "${OLD_TREE:-}" ]; then run "$OLD_TREE" old; fi
run "$PWD" new
echo "== new: stop-handle ($(date +%T))"
marker="gpu-stop-$$"
options=$(printf '{"target":"process","gpus":["0"],"resultsDir":"%s","baselinesDir":"%s","command":["python3","%s","--model","{model}","--port","{port}","{args}"]}' \
  "$out/stop-results" "$out/stop-baselines" "$root/fixtures/gpu-server/server.py")
(cd test/e2e/fixture && FX_OPTIONS="$options" FX_INCLUDE='stop-handle.test.ts' FX_MARKER="$marker" SERVEBENCH_TELEMETRY=0 CI= \
  timeout 200 node "$root/node_modules/vitest/vitest.mjs" run --configLoader native --root . 2>&1 | tail -12)
echo "left after the run: $(ps -eo args | grep -c "[s]erved-model-name $marker")"
nvidia-smi --query-gpu=index,name,memory.used,memory.total --format=csv,noheader 2>&1 | tee "$out/gpu-after.txt"

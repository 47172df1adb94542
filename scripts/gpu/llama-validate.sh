#!/usr/bin/env bash
# GPU machine (carry .servebench/node-runtime.tar.xz from scripts/gpu/pack-node.sh and
# .servebench/llama-cpp-src.tar.xz from scripts/gpu/pack-llama-source.sh): builds llama-server for
# CUDA from the packed source while the Qwen2.5-1.5B-shaped random GGUF is written, sweeps
# llama-server's flags with servebench's CLI (nvidia-smi sampled alongside), then runs the llama.cpp
# suites on the GPU: the MPS sweep, serving, the capacity search. Everything ends up in
# $OUT/llama-validate.tgz, also when time runs out. From the repo root:
#   OUT=$OUT bash scripts/gpu/llama-validate.sh        # BUDGET_S (default 570) bounds the whole run
# A plumbing run without a GPU: BACKEND=cpu SHAPE=tiny LLAMA_GPUS=none bash scripts/gpu/llama-validate.sh
set -u
budget="${BUDGET_S:-570}"
out_final="${OUT:-/tmp/servebench-gpu}"
out=$(mktemp -d /tmp/servebench-llama-XXXX)
work=/tmp/servebench-llama-work
backend="${BACKEND:-cuda}"
shape="${SHAPE:-qwen2.5-1.5b}"
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
healthy() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"; }
say() { echo "== $* (${SECONDS} s)"; }
left() { echo $((budget - SECONDS)); }
finish() {
  pkill -f '[l]lama-server' 2>/dev/null
  ps -eo pid,args | grep -E '[l]lama-server|[n]vidia-cuda-mps|[n]vidia-smi' >"$out/leftover-processes.txt"
  echo "leftover processes: $(wc -l <"$out/leftover-processes.txt")"
  mkdir -p "$out_final"
  tar -czf "$out_final/llama-validate.tgz" -C "$out" .
}
trap finish EXIT

say "unpack node and the llama.cpp source"
if [ ! -x node_modules/.bin/node ]; then tar -xJf .servebench/node-runtime.tar.xz; fi
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p "$work" && tar -xJf .servebench/llama-cpp-src.tar.xz -C "$work"
export SERVEBENCH_CACHE_DIR="$work/cache"
{ node --version; nproc; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; nvcc --version | tail -2; cmake --version | head -1; } >"$out/machine.txt" 2>&1
cat "$out/machine.txt"

say "build llama-server ($backend) while the model is written"
node scripts/llama-cpp/build.ts --backend "$backend" --cuda-arch "${CUDA_ARCH:-90}" --source "$work/llama.cpp" \
  --jobs "$(nproc)" >"$out/build-path.txt" 2>"$out/build.log" &
build=$!
model="$work/$shape-random-seed0-f16.gguf"
node scripts/llama-cpp/random-gguf.ts --shape "$shape" --out "$model" --seed 0 | tee "$out/gguf.json"
if ! wait "$build"; then tail -40 "$out/build.log"; exit 1; fi
server=$(tail -1 "$out/build-path.txt")
cp "$(dirname "$server")/build.json" "$out/build.json"
cat "$out/build.json"

# Flags: slots, flash attention and micro-batch, at an unbounded rate (512 in, 128 out).
say "flag sweep"
mkdir -p "$out/sweep"
for config in "np16:--parallel 16 --ctx-size 32768" \
  "np64-fa:--parallel 64 --ctx-size 131072 --flash-attn on" \
  "np128-fa-ub1024:--parallel 128 --ctx-size 262144 --flash-attn on --ubatch-size 1024 --batch-size 4096"; do
  [ "$(left)" -gt 330 ] || { echo "skipping the rest of the sweep: $(left) s left"; break; }
  name=${config%%:*}
  port=$(free_port)
  # shellcheck disable=SC2086
  "$server" --model "$model" --alias "$shape" --host 127.0.0.1 --port "$port" --metrics --n-gpu-layers all \
    ${config#*:} >"$out/sweep/$name-server.log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do healthy http://127.0.0.1:$port/health && break; sleep 0.5; done
  nvidia-smi --query-gpu=utilization.gpu,memory.used,clocks.sm,power.draw --format=csv,noheader,nounits \
    -lms 500 >"$out/sweep/$name-smi.csv" &
  smi=$!
  timeout 90 node src/cli/bin.ts run --base-url http://127.0.0.1:$port --model "$shape" \
    --dataset-name random --random-input-len 512 --random-output-len 128 --request-rate inf \
    --num-prompts 384 --save-result --result-dir "$out/sweep" --result-filename "$name.json" 2>&1 |
    grep -E 'Successful|Failed|Request throughput|Output token throughput|Mean TTFT|Mean TPOT' | sed "s/^/$name: /"
  kill "$smi" "$pid"; wait "$pid" 2>/dev/null
  awk -F', ' '{u+=$1; n++; if ($1>m) m=$1} END {printf "'"$name"': GPU utilisation mean %.0f %%, max %d %% (%d samples)\n", u/n, m, n}' \
    "$out/sweep/$name-smi.csv"
done

suite() {
  local name=$1 file=$2 limit
  limit=$(($(left) - 15))
  [ "$limit" -gt 30 ] || { echo "skipping suite $name: $(left) s left"; return; }
  say "suite $name (limit ${limit} s)"
  SERVEBENCH_LLAMA_GPUS="${LLAMA_GPUS:-auto}" SERVEBENCH_LLAMA_SERVER="$server" SERVEBENCH_LLAMA_MODEL="$model" \
    SERVEBENCH_LLAMA_RESULTS="$out/results-$name" timeout "$limit" node node_modules/vitest/vitest.mjs run -u \
    --config suites/llama-cpp/vitest.config.ts "$file" 2>&1 | tee "$out/suite-$name.log" |
    grep -E '✓|×|FAIL|Error|\[llama.cpp\]|probe [0-9]+' | cut -c1-220 | tail -40
}
suite mps suites/llama-cpp/mps.llama.ts
suite serving suites/llama-cpp/serving.llama.ts
suite capacity suites/llama-cpp/capacity.llama.ts
say done

#!/usr/bin/env bash
# GPU machine, part 2 (Node carried as .servebench/node-runtime.tar.xz, made by
# scripts/gpu/pack-node.sh): servebench's CLI against the stand-in (seed 000's 4 req/s ShareGPT
# run and an offered-rate sweep, nvidia-smi sampled alongside), then the GPU suites through the
# process target (telemetry, MPS sweep). Everything ends up in $OUT/validate.tgz. From the repo root:
#   bash scripts/gpu/validate.sh            # PARTS="cli suites" by default; "reaper" is a third part
set -u
out_final="${OUT:-/tmp/servebench-gpu}"
out=$(mktemp -d /tmp/servebench-validate-XXXX)
parts="${PARTS:-cli suites}"
say() { echo "== $* ($(date +%T))"; }
finish() {
  ps -eo pid,args | grep -E '[s]erver\.py|[n]vidia-cuda-mps|[n]vidia-smi' >"$out/leftover-processes.txt"
  echo "leftover processes: $(wc -l <"$out/leftover-processes.txt")"
  mkdir -p "$out_final"
  tar -czf "$out_final/validate.tgz" -C "$out" .
}
trap finish EXIT

say "unpack node"
if [ ! -x node_modules/.bin/node ]; then tar -xJf .servebench/node-runtime.tar.xz; fi
export PATH="$PWD/node_modules/.bin:$PATH"
node --version

if [[ " $parts " == *" cli "* ]]; then
  say "stand-in server + servebench CLI"
  python3 fixtures/gpu-server/server.py --port 8000 >"$out/cli-server.log" 2>&1 &
  server=$!
  until python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8000/health", timeout=1)' 2>/dev/null; do
    sleep 0.2
    kill -0 "$server" 2>/dev/null || { echo "server died"; tail "$out/cli-server.log"; exit 1; }
  done
  nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,clocks.sm,power.draw \
    --format=csv,noheader,nounits -lms 500 >"$out/cli-telemetry.csv" &
  smi=$!
  sb() { node src/cli/bin.ts run --base-url http://127.0.0.1:8000 --save-result --result-dir "$out/cli" "$@"; }
  mark() { echo "$1 $(date +%s.%N)" >>"$out/cli-marks.txt"; }
  mark sharegpt-4rps-start
  sb --dataset-name sharegpt --dataset-path fixtures/sharegpt-small.json --request-rate 4 --num-prompts 100 \
    --result-filename sharegpt-4rps.json 2>&1 | tail -40
  mark sharegpt-4rps-end
  for rate in 8 16 32 inf; do
    mark "sharegpt-$rate-start"
    sb --dataset-name sharegpt --dataset-path fixtures/sharegpt-small.json --request-rate "$rate" \
      --num-prompts 200 --result-filename "sharegpt-$rate.json" 2>&1 | grep -E 'Request throughput|Mean TTFT|P99 TTFT|Mean ITL|Output token throughput|Successful|Failed'
    mark "sharegpt-$rate-end"
  done
  mark random-inf-start
  sb --dataset-name random --random-input-len 1024 --random-output-len 128 --request-rate inf --num-prompts 256 \
    --result-filename random-1024-128-inf.json 2>&1 | grep -E 'Request throughput|Mean TTFT|Mean ITL|Output token throughput|Successful|Failed'
  mark random-inf-end
  python3 -c 'import urllib.request; open("'"$out"'/cli-metrics.txt","wb").write(urllib.request.urlopen("http://127.0.0.1:8000/metrics").read())'
  kill "$smi" "$server"; wait "$server"
fi

if [[ " $parts " == *" reaper "* ]]; then
  say "reaper after SIGKILL (stand-in + MPS daemon through the process target)"
  node scripts/gpu/reaper-check.ts 2>&1 | tee "$out/reaper-check.log"
  sleep 6
  echo "left after 6 s:" | tee -a "$out/reaper-check.log"
  ps -eo pid,pgid,args | grep -E '[s]erver\.py|[n]vidia-cuda-mps' | tee -a "$out/reaper-check.log"
fi

if [[ " $parts " == *" suites "* ]]; then
  say "GPU suites through the process target"
  SERVEBENCH_GPU_RESULTS="$out/gpu-results" timeout 530 node node_modules/vitest/vitest.mjs run \
    --config suites/gpu/vitest.config.ts 2>&1 | tee "$out/suites.log" | grep -vE '^\s*$' | tail -60
fi
say done

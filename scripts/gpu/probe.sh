#!/usr/bin/env bash
# GPU machine, part 1 (no Node needed): GPU detection with nvidia-smi, versions, MPS tools, the
# stand-in's start-up and step times (fixtures/gpu-server/server.py --benchmark), the same under
# an MPS daemon at 20/50/100 % active threads, and a streaming request against the served stand-in.
# Everything goes to $OUT (default /tmp/servebench-gpu). Run from the repository root:
#   bash scripts/gpu/probe.sh
set -u
out="${OUT:-/tmp/servebench-gpu}"
mkdir -p "$out"
server=fixtures/gpu-server/server.py
say() { echo "== $* ($(date +%T))"; }

say detection
{
  nvidia-smi
  echo '--- servebench detection query'
  nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits
  echo '--- servebench telemetry query'
  nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,clocks.sm,power.draw --format=csv,noheader,nounits
  nvidia-smi -q -d COMPUTE | grep -i 'compute mode'
} >"$out/nvidia-smi.txt" 2>&1
{
  python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  echo "nvidia-cuda-mps-control: $(command -v nvidia-cuda-mps-control || echo missing)"
  nproc
} >"$out/versions.txt" 2>&1
cat "$out/nvidia-smi.txt" "$out/versions.txt"

say "stand-in benchmark (default flags)"
python3 "$server" --benchmark >"$out/benchmark.json" 2>"$out/benchmark.err"
tail -3 "$out/benchmark.err"
python3 - "$out/benchmark.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
print("startup_s", b["startup_s"], "build_s", b["build_s"], "graphs", b["model"]["cuda_graphs"], "in", b["model"]["cuda_graphs_s"], "s")
for p in b["prefill"]: print("prefill", p["tokens"], p["gpu_ms"], "ms", p["gpu_ms_per_1k_tokens"], "ms/1k wall", p["wall_ms"])
for d in b["decode"]: print("decode B", d["batch"], "C", d["context"], d["gpu_ms"], "ms wall", d["wall_ms"])
PY

say "MPS daemon + benchmark at 20/50/100 %"
mps=$(mktemp -d /tmp/servebench-mps-probe-XXXX)
mkdir -p "$mps/pipe" "$mps/log"
export CUDA_MPS_PIPE_DIRECTORY="$mps/pipe" CUDA_MPS_LOG_DIRECTORY="$mps/log"
nvidia-cuda-mps-control -f >"$out/mps-daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 1 50); do [ -e "$mps/pipe/control" ] && break; sleep 0.1; done
ls -la "$mps/pipe" >>"$out/mps-daemon.log" 2>&1
for p in 20 50 100; do
  CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=$p timeout 120 python3 "$server" --benchmark --benchmark-batches 1,8,32 \
    --benchmark-prefill 512,2048 --benchmark-contexts 512 >"$out/benchmark-mps-$p.json" 2>"$out/benchmark-mps-$p.err"
  echo "mps $p%: exit $? $(python3 -c "import json,sys; b=json.load(open('$out/benchmark-mps-$p.json')); print([(x['tokens'], x['gpu_ms']) for x in b['prefill']], [(x['batch'], x['gpu_ms']) for x in b['decode']])" 2>&1)"
done
echo "server processes under MPS: $(ps -eo pid,args | grep -c '[n]vidia-cuda-mps-server')"
echo quit | nvidia-cuda-mps-control
wait "$daemon"; echo "daemon exit $?"
echo "after quit: $(ps -eo pid,args | grep -c '[n]vidia-cuda-mps')" 
cp "$mps/log/control.log" "$out/mps-control.log" 2>/dev/null
unset CUDA_MPS_PIPE_DIRECTORY CUDA_MPS_LOG_DIRECTORY

say "served stand-in: start-up and one request"
python3 "$server" --port 8123 >"$out/server.log" 2>&1 &
pid=$!
python3 - "$out" <<'PY'
import json, sys, time, urllib.request
out, base, t0 = sys.argv[1], "http://127.0.0.1:8123", time.time()
while True:
    try:
        urllib.request.urlopen(base + "/health", timeout=2).read()
        break
    except OSError:
        if time.time() - t0 > 120:
            sys.exit("not healthy in 120 s")
        time.sleep(0.1)
print(f"healthy after {time.time() - t0:.1f} s")
open(f"{out}/version.json", "wb").write(urllib.request.urlopen(base + "/version").read())
body = {"messages": [{"role": "user", "content": "Hello GPU"}], "max_tokens": 8, "stream": True,
        "stream_options": {"include_usage": True, "continuous_usage_stats": True}}
req = urllib.request.Request(base + "/v1/chat/completions", json.dumps(body).encode(), {"content-type": "application/json"})
with urllib.request.urlopen(req) as r:
    print("headers:", r.headers.get("server"), r.headers.get("x-servebench-standin"))
    text = r.read().decode()
open(f"{out}/stream.txt", "w").write(text)
print(text.strip().splitlines()[-3])
metrics = urllib.request.urlopen(base + "/metrics").read().decode()
print("\n".join(l for l in metrics.splitlines() if l.startswith(("vllm:generation_tokens_total", "servebench:standin_step_gpu_seconds_sum", "servebench:standin_step_gpu_seconds_count"))))
PY
kill "$pid"; wait "$pid"
tail -2 "$out/server.log"
say done

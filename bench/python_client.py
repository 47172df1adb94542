"""The Python reference client of the client-capacity benchmark (bench/client-capacity.ts).

A minimal, idiomatic asyncio + aiohttp streaming client, as people write them for LLM serving
benchmarks: one ClientSession, C concurrent tasks, each POSTing a streaming completion and
iterating `resp.content` line by line, parsing every `data:` event as JSON and timestamping it
with time.time() when the line arrives. The step ends at the deadline (tasks are cancelled).

Prints one JSON object on stdout: the receive time and the server's `sent_at` of every chunk
received inside the measurement window (epoch ms), with counts and the CPU time spent in it.
Run it with Debian's interpreter: /usr/bin/python3 bench/python_client.py --url ... --concurrency C
"""

import argparse
import asyncio
import json
import sys
import time

import aiohttp


async def stream_loop(session, url, index, args, deadline, out, counts):
    # Start as independent users would (same formula as node-client.ts): request boundaries spread
    # over one request's duration, chunk phases spread evenly within one inter-token interval.
    offset_ms = args.itl_ms * (index * args.max_tokens // args.concurrency)
    offset_ms += (index + 0.5) * args.itl_ms / args.concurrency
    await asyncio.sleep(offset_ms / 1000)
    max_requests = int(args.duration_s * 1000 / args.itl_ms) + 1
    for n in range(max_requests):
        if time.time() >= deadline:
            return
        body = {
            "model": "m",
            "prompt": f"p{index}-{n}",
            "max_tokens": args.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        counts["requests"] += 1
        async with session.post(url, json=body) as resp:
            if resp.status != 200:
                counts["failures"] += 1
                continue
            async for line in resp.content:
                received = time.time() * 1000
                if not line.startswith(b"data: "):
                    continue
                data = line[6:].strip()
                if data == b"[DONE]":
                    break
                event = json.loads(data)
                if event.get("choices"):
                    out.append((received, event["sent_at"]))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--max-tokens", type=int, default=50)
    parser.add_argument("--itl-ms", type=float, default=10)
    parser.add_argument("--duration-s", type=float, default=3.75)
    parser.add_argument("--warmup-s", type=float, default=1.5)
    args = parser.parse_args()

    start = time.time() * 1000
    window_start = start + args.warmup_s * 1000
    deadline = start + args.duration_s * 1000
    out = []
    counts = {"requests": 0, "failures": 0}
    url = args.url.rstrip("/") + "/v1/completions"
    connector = aiohttp.TCPConnector(limit=0)  # default limit is 100 connections
    timeout = aiohttp.ClientTimeout(total=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [
            asyncio.create_task(stream_loop(session, url, i, args, deadline / 1000, out, counts))
            for i in range(args.concurrency)
        ]
        await asyncio.sleep(args.warmup_s)
        cpu_start = time.process_time()
        await asyncio.sleep(max(0, (deadline - time.time() * 1000) / 1000))
        cpu_ms = (time.process_time() - cpu_start) * 1000
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        counts["failures"] += sum(
            1 for r in results if isinstance(r, Exception) and not isinstance(r, asyncio.CancelledError)
        )

    window = [(r, s) for r, s in out if window_start <= r <= deadline]
    json.dump(
        {
            "client": "python-aiohttp",
            "window_ms": [window_start, deadline],
            "recv": [r for r, _ in window],
            "sent": [s for _, s in window],
            "chunks_total": len(out),
            "unmatched": 0,
            "requests": counts["requests"],
            "failures": counts["failures"],
            "cpu_ms": cpu_ms,
            "cpu_total_ms": time.process_time() * 1000,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    asyncio.run(main())

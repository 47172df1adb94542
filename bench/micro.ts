import { Bench, type Task } from 'tinybench';
import { createRng, type Rng } from '../src/core/rng.ts';
import { SseParser } from '../src/load/client/sse-parser.ts';
import type { RequestRecord } from '../src/metrics/record.ts';
import { percentile, percentileOfSorted, sorted } from '../src/metrics/stats.ts';
import { defaultPercentiles, summarize } from '../src/metrics/summarize.ts';

/**
 * tinybench microbenchmarks of the load generator's hot paths: SSE parsing of realistic OpenAI
 * streams cut at random points, numpy-compatible percentiles on 10k/100k samples, and the run
 * summary on 1000 synthetic records. All inputs are built (seeded) before timing starts.
 */

/** Work items per task call, so that rates per item (events, samples, records) can be shown. */
interface Unit {
  items: number;
  unit: string;
  bytes?: number;
}

export async function runMicro(log: (line: string) => void = console.log): Promise<void> {
  const rng = createRng(20_240_601);
  const units = new Map<string, Unit>();
  let sink = 0;

  // --- SSE parsing -------------------------------------------------------------------------
  const stream = openAiStream(rng.fork('stream'), 256);
  const eventCount = 256 + 2; // content chunks + usage + [DONE]
  const splits = {
    'one event per read': splitAtEvents(stream),
    'random cuts (1-512 B)': splitRandomly(stream, rng.fork('cuts'), 1, 512),
    'coalesced 16 KiB reads': splitRandomly(stream, rng.fork('big'), 16 * 1024, 16 * 1024),
  };
  const sse = new Bench({ name: 'SSE parsing (SseParser.push)', time: 400, warmupTime: 100 });
  for (const [label, pieces] of Object.entries(splits)) {
    const name = `SseParser, ${label}`;
    units.set(name, { items: eventCount, unit: 'events', bytes: stream.length });
    sse.add(
      name,
      () => {
        const parser = new SseParser();
        for (const piece of pieces) {
          parser.push(piece, (data) => {
            sink += data.length;
          });
        }
      },
      { async: false },
    );
  }
  // What sendStream does per event on top of the parser: JSON.parse of the payload.
  const randomCuts = splits['random cuts (1-512 B)'];
  const withJson = 'SseParser + JSON.parse, random cuts';
  units.set(withJson, { items: eventCount, unit: 'events', bytes: stream.length });
  sse.add(
    withJson,
    () => {
      const parser = new SseParser();
      for (const piece of randomCuts) {
        parser.push(piece, (data) => {
          if (data !== '[DONE]') sink += (JSON.parse(data) as { created: number }).created;
        });
      }
    },
    { async: false },
  );

  // --- Percentiles -------------------------------------------------------------------------
  const stats = new Bench({ name: 'percentiles (src/metrics/stats.ts)', time: 400, warmupTime: 100 });
  for (const n of [10_000, 100_000]) {
    const values = latencies(rng.fork(`lat-${n}`), n);
    const ordered = sorted(values);
    const k = `${n / 1000}k`;
    units.set(`percentile(p99), ${k} samples`, { items: n, unit: 'samples' });
    stats.add(
      `percentile(p99), ${k} samples`,
      () => {
        sink += percentile(values, 99);
      },
      { async: false },
    );
    units.set(`sorted(), ${k} samples`, { items: n, unit: 'samples' });
    stats.add(
      `sorted(), ${k} samples`,
      () => {
        sink += sorted(values)[0] as number;
      },
      { async: false },
    );
    // Sub-microsecond: 100 rounds of the 5 default percentiles per call.
    const rounds = 100;
    units.set(`percentileOfSorted x5, ${k} sorted`, { items: rounds, unit: 'rounds' });
    stats.add(
      `percentileOfSorted x5, ${k} sorted`,
      () => {
        for (let r = 0; r < rounds; r++) {
          for (const p of defaultPercentiles) sink += percentileOfSorted(ordered, p);
        }
      },
      { async: false },
    );
  }

  // --- summarize() -------------------------------------------------------------------------
  const records = syntheticRecords(rng.fork('records'), 1000, 200);
  const summary = new Bench({
    name: 'summarize() (src/metrics/summarize.ts)',
    time: 1500,
    iterations: 5,
    warmupTime: 200,
    warmupIterations: 2,
  });
  const chunkTotal = records.reduce((s, r) => s + r.chunk_ms.length, 0);
  const summarizeName = `summarize(), 1000 records x 200 chunks`;
  units.set(summarizeName, { items: records.length, unit: 'records' });
  summary.add(
    summarizeName,
    () => {
      sink += summarize(records).completed;
    },
    { async: false },
  );

  for (const bench of [sse, stats, summary]) {
    await bench.run();
    log(`\n${bench.name}`);
    printTable(bench.tasks, units, log);
  }
  log(
    `\n(stream: ${stream.length} bytes, ${eventCount} events; records: ${chunkTotal} chunks; sink ${sink > 0})`,
  );
}

function printTable(tasks: Task[], units: Map<string, Unit>, log: (line: string) => void): void {
  const rows: string[][] = [['task', 'mean', 'p99', '± rme', 'ops/s', 'per item', 'throughput', 'samples']];
  for (const task of tasks) {
    const r = task.result;
    if (r.state !== 'completed' && r.state !== 'aborted-with-statistics') {
      rows.push([task.name, r.state === 'errored' ? `error: ${r.error.message}` : r.state]);
      continue;
    }
    const unit = units.get(task.name);
    const meanMs = r.latency.mean;
    const perItemNs = unit ? (meanMs * 1e6) / unit.items : Number.NaN;
    const throughput = unit
      ? `${rate((unit.items / meanMs) * 1000, unit.unit)}${unit.bytes ? `, ${fmt(unit.bytes / meanMs / 1e3)} MB/s` : ''}`
      : '';
    rows.push([
      task.name,
      duration(meanMs),
      duration(r.latency.p99),
      `${r.latency.rme.toFixed(1)}%`,
      fmt(r.throughput.mean),
      unit ? `${duration(perItemNs / 1e6)}/${unit.unit.split(' ')[0]?.replace(/s$/, '')}` : '',
      throughput,
      String(r.latency.samplesCount),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  for (const row of rows) {
    log(
      row
        .map((cell, i) => (i === 0 || i >= 5 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
}

function fmt(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function rate(perS: number, unit: string): string {
  if (perS >= 1e6) return `${fmt(perS / 1e6)} M ${unit}/s`;
  if (perS >= 1e3) return `${fmt(perS / 1e3)} k ${unit}/s`;
  return `${fmt(perS)} ${unit}/s`;
}

function duration(ms: number): string {
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(2)} us`;
  return `${(ms * 1e6).toFixed(1)} ns`;
}

/** A vLLM-style chat completion stream: role chunk, content chunks of 1-3 words, usage, [DONE]. */
function openAiStream(rng: Rng, contentChunks: number): Uint8Array {
  const words = [
    'the',
    ' model',
    ' streams',
    ' tokens',
    ',',
    ' quickly',
    ' über',
    ' naïve',
    ' 数据',
    ' 🚀',
    '\\n',
  ];
  const created = 1_717_000_000;
  const head = `{"id":"chatcmpl-8c1f0b5e9a7d4c3b","object":"chat.completion.chunk","created":${created},"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,`;
  let text = `data: ${head}"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`;
  for (let i = 0; i < contentChunks - 1; i++) {
    const n = rng.int(1, 3);
    let content = '';
    for (let w = 0; w < n; w++) content += words[rng.int(0, words.length - 1)];
    const finish = i === contentChunks - 2 ? '"length"' : 'null';
    text += `data: ${head}"delta":{"content":"${content}"},"logprobs":null,"finish_reason":${finish}}]}\n\n`;
  }
  text += `data: {"id":"chatcmpl-8c1f0b5e9a7d4c3b","object":"chat.completion.chunk","created":${created},"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[],"usage":{"prompt_tokens":512,"total_tokens":767,"completion_tokens":255}}\n\n`;
  text += 'data: [DONE]\n\n';
  return new TextEncoder().encode(text);
}

function splitAtEvents(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (let i = 1; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 10) {
      pieces.push(bytes.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) pieces.push(bytes.slice(start));
  return pieces;
}

/** Cuts anywhere, including inside multi-byte UTF-8 characters, as TCP reads may. */
function splitRandomly(bytes: Uint8Array, rng: Rng, min: number, max: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = Math.min(bytes.length, start + rng.int(min, max));
    pieces.push(bytes.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Log-normal latencies around 20 ms with a heavy tail. */
function latencies(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => 20 * Math.exp(0.6 * rng.normal()));
}

/** Open-loop records: Poisson arrivals at 20 req/s, TTFT ~ 60 ms, ITL ~ 12 ms, 2% failures. */
function syntheticRecords(rng: Rng, count: number, chunks: number): RequestRecord[] {
  const records: RequestRecord[] = [];
  let scheduled = 0;
  for (let i = 0; i < count; i++) {
    scheduled += rng.exponential(20 / 1000);
    const sent = scheduled + rng.exponential(1 / 0.2);
    const ok = rng.next() >= 0.02;
    const chunkMs: number[] = [];
    let t = sent + 60 * Math.exp(0.4 * rng.normal());
    for (let c = 0; c < (ok ? chunks : rng.int(0, chunks - 1)); c++) {
      chunkMs.push(t);
      t += 12 * Math.exp(0.25 * rng.normal());
    }
    records.push({
      ok,
      scheduled_ms: scheduled,
      sent_ms: sent,
      end_ms: (chunkMs[chunkMs.length - 1] ?? sent) + 0.5,
      chunk_ms: chunkMs,
      chunk_tokens: chunkMs.map(() => 1),
      prompt_tokens: rng.int(100, 1000),
      output_tokens: chunkMs.length,
      error: ok ? null : 'stream ended without [DONE]',
      error_code: ok ? null : 'SB_STREAM_CUT',
      warmup: i < 10,
      prompt_tokens_estimated: false,
      lateness_ms: rng.exponential(1 / 0.3),
    });
  }
  return records;
}

if (import.meta.main) await runMicro();

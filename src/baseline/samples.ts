import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { type BaselineSamples, MAX_SAMPLES } from './entry.ts';

/** Every k-th value so that at most `max` remain (deterministic, keeps the distribution's shape). */
function thin(values: number[], max = MAX_SAMPLES): number[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)] as number);
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The samples a baseline keeps (and a current run is compared with) from raw records. */
export function samplesFromRecords(all: readonly RequestRecord[]): BaselineSamples {
  const ok = all.filter((r) => r.ok && !r.warmup);
  const latencies = ok.map((r) => ({ r, l: requestLatencies(r) }));
  const bins = new Map<number, number>();
  for (const r of ok) {
    r.chunk_ms.forEach((t, i) => {
      const bin = Math.floor(t / 1000);
      bins.set(bin, (bins.get(bin) ?? 0) + (r.chunk_tokens[i] ?? 1));
    });
  }
  const keys = [...bins.keys()].sort((a, b) => a - b);
  // Ramp-up and drain bins are partial; drop them when there are enough bins left.
  const steady = keys.length > 4 ? keys.slice(1, -1) : keys;
  return {
    ttft: thin(latencies.map(({ l }) => round(l.ttft))),
    tpot: thin(latencies.filter(({ r }) => r.output_tokens > 1).map(({ l }) => round(l.tpot))),
    e2el: thin(latencies.map(({ l }) => round(l.e2el))),
    outputTokensPerSecond: thin(steady.map((k) => bins.get(k) as number)),
  };
}

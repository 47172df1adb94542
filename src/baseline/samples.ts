import { requestLatencies } from '../metrics/per-request.ts';
import type { RequestRecord } from '../metrics/record.ts';
import { type BaselineSamples, MAX_SAMPLES } from './entry.ts';

/** Every k-th value so that at most `max` remain, in their order (deterministic, keeps the shape). */
function thin(values: number[], max = MAX_SAMPLES): number[] {
  if (values.length <= max) return values;
  const step = values.length / max;
  return Array.from({ length: max }, (_, i) => values[Math.floor(i * step)] as number);
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Throughput bins: about this many over the steady part, none narrower than MIN_BIN_MS. */
const TARGET_BINS = 50;
/** A few simulator or GPU steps per bin, so that a bin's count is not mostly step timing. */
export const MIN_BIN_MS = 50;

/**
 * Output tokens per second in consecutive bins over the steady part of a run: from the first
 * request that finished (the batch has filled) to the last one sent (drain starts). Ramp-up and
 * drain depend on the run's length, not on the server; one-second bins over a 5-second run left
 * three bins, too few to judge, so the bins narrow with the run.
 */
function throughputBins(ok: readonly RequestRecord[]): { binMs: number; rates: number[] } {
  if (ok.length === 0) return { binMs: MIN_BIN_MS, rates: [] };
  // Loops, not Math.min(...ok): spreading a long run's records overflows the call stack.
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const r of ok) {
    if (r.end_ms < from) from = r.end_ms;
    if (r.sent_ms > to) to = r.sent_ms;
  }
  const binMs = Math.max(MIN_BIN_MS, (to - from) / TARGET_BINS);
  const bins = Math.floor((to - from) / binMs);
  if (bins <= 0) return { binMs, rates: [] };
  const tokens = new Float64Array(bins);
  for (const r of ok) {
    r.chunk_ms.forEach((t, i) => {
      const bin = Math.floor((t - from) / binMs);
      if (bin >= 0 && bin < bins) tokens[bin] = (tokens[bin] as number) + (r.chunk_tokens[i] ?? 1);
    });
  }
  return { binMs: round(binMs), rates: Array.from(tokens, (n) => round((n * 1000) / binMs)) };
}

/**
 * The samples a baseline keeps (and a current run is compared with) from raw records, in the
 * order the requests were sent: the gate's noise model resamples blocks of consecutive requests.
 */
export function samplesFromRecords(all: readonly RequestRecord[]): BaselineSamples {
  const ok = all.filter((r) => r.ok && !r.warmup).toSorted((a, b) => a.sent_ms - b.sent_ms);
  const latencies = ok.map((r) => ({ r, l: requestLatencies(r) }));
  const { binMs, rates } = throughputBins(ok);
  return {
    ttft: thin(latencies.map(({ l }) => round(l.ttft))),
    tpot: thin(latencies.filter(({ r }) => r.output_tokens > 1).map(({ l }) => round(l.tpot))),
    e2el: thin(latencies.map(({ l }) => round(l.e2el))),
    outputTokensPerSecond: thin(rates),
    outputBinMs: binMs,
  };
}

import type { RequestRecord } from './record.ts';

/** Latencies of one successful request, in ms, as vLLM bench defines them. */
export interface RequestLatencies {
  ttft: number;
  e2el: number;
  /** 0 when the request produced a single token (vLLM's convention, used for goodput). */
  tpot: number;
  /** Gaps between consecutive content chunks. */
  itl: number[];
  /** TTFT and E2EL from the scheduled time: include any client-side queueing. */
  queuedTtft: number;
  queuedE2el: number;
}

export function requestLatencies(record: RequestRecord): RequestLatencies {
  const first = record.chunk_ms[0] ?? record.end_ms;
  const last = record.chunk_ms[record.chunk_ms.length - 1] ?? record.end_ms;
  const ttft = first - record.sent_ms;
  const e2el = last - record.sent_ms;
  const itl: number[] = [];
  for (let i = 1; i < record.chunk_ms.length; i++) {
    itl.push((record.chunk_ms[i] as number) - (record.chunk_ms[i - 1] as number));
  }
  return {
    ttft,
    e2el,
    tpot: record.output_tokens > 1 ? (e2el - ttft) / (record.output_tokens - 1) : 0,
    itl,
    queuedTtft: first - record.scheduled_ms,
    queuedE2el: last - record.scheduled_ms,
  };
}

/** Per-token ITL: a chunk carrying k tokens after a gap g counts as k gaps of g/k. */
export function perTokenItl(record: RequestRecord): number[] {
  const out: number[] = [];
  for (let i = 1; i < record.chunk_ms.length; i++) {
    const gap = (record.chunk_ms[i] as number) - (record.chunk_ms[i - 1] as number);
    const tokens = record.chunk_tokens[i] ?? 1;
    if (tokens <= 0) continue;
    for (let k = 0; k < tokens; k++) out.push(gap / tokens);
  }
  return out;
}

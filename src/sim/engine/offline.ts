import { VirtualClock } from './clock.ts';
import { type ClusterOptions, createCluster } from './cluster.ts';
import { Sequence } from './sequence.ts';

export interface OfflineRequest {
  /** Arrival time, s from the start. */
  readonly at: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface OfflineResult {
  readonly arrival: number;
  readonly ttft: number;
  /** Gaps between consecutive tokens, s. */
  readonly itl: number[];
  readonly e2e: number;
  readonly preemptions: number;
}

export interface OfflineRun {
  readonly results: OfflineResult[];
  /** First arrival to last completion, s. */
  readonly duration: number;
  readonly preemptions: number;
}

/**
 * Runs a workload through the engines in virtual time (no HTTP, no waiting): the same scheduler
 * and step-time model as the server, for unit tests and for exploring the model quickly.
 * `frontendLatency` is added to TTFT as the server does.
 */
export function runOffline(
  options: ClusterOptions,
  requests: readonly OfflineRequest[],
  frontendLatency = options.tuning?.frontendLatency ?? 0,
): OfflineRun {
  const clock = new VirtualClock();
  const cluster = createCluster(options, clock);
  const results: OfflineResult[] = [];
  let preemptions = 0;
  let end = 0;
  const sorted = [...requests].sort((a, b) => a.at - b.at);
  let next = 0;
  const arrive = (): void => {
    const r = sorted[next++];
    if (r === undefined) return;
    const times: number[] = [];
    const seq: Sequence = new Sequence({
      id: `offline-${next}`,
      promptTokens: r.promptTokens,
      outputTokens: r.outputTokens,
      finishReason: 'length',
      sink: {
        onTokens: (_from, _count, now) => {
          times.push(now);
        },
        onFinish: (_reason, now) => {
          end = Math.max(end, now);
          preemptions += seq.preemptions;
          const itl: number[] = [];
          for (let i = 1; i < times.length; i++) itl.push((times[i] as number) - (times[i - 1] as number));
          results.push({
            arrival: r.at,
            ttft: (times[0] as number) - r.at,
            itl,
            e2e: now - r.at,
            preemptions: seq.preemptions,
          });
        },
      },
    });
    clock.at(r.at + frontendLatency, () => cluster.router.pick().add(seq));
    const following = sorted[next];
    if (following !== undefined) clock.at(following.at, arrive);
  };
  const first = sorted[0];
  if (first !== undefined) clock.at(first.at, arrive);
  clock.run();
  return { results, duration: end - (first?.at ?? 0), preemptions };
}

import type { CapacityProbe, CapacityResult } from '../../../src/capacity/result.ts';
import type { CapacityPoint } from '../../../src/report/capacity-report.ts';
import { sampleResults } from '../../../src/report/sample-results.ts';

/** A probe at `load` whose attainment was `share` with interval `ci`. */
function probe(
  index: number,
  load: number,
  phase: CapacityProbe['phase'],
  verdict: CapacityProbe['verdict'],
  share: number,
  ci: [number, number],
  throughput: number,
): CapacityProbe {
  return {
    index,
    load,
    phase,
    extensions: verdict === 'unresolved' ? 2 : 0,
    judgedRequests: verdict === 'unresolved' ? 600 : 200,
    achievedOfferedRate: load * 0.99,
    throughput,
    objectives:
      verdict === 'invalid'
        ? []
        : [
            {
              objective: 'attainment',
              target: 0.95,
              measured: share,
              ci,
              judgedAgainst: 0.95,
              verdict: verdict === 'pass' ? 'pass' : verdict === 'fail' ? 'fail' : 'undecided',
            },
          ],
    verdict,
    invalidReasons:
      verdict === 'invalid' ? ['the simulator fell behind its model by 7.2% of its step time'] : [],
    summary: { completed: 200, failed: 0, p99_ttft_ms: 120 + load },
    rawFile: `raw/capacity/probe-${index}.jsonl`,
  };
}

/** A search that bracketed 13.6-14.2 req/s, with one unresolved and one invalid probe. */
export const sampleCapacity = (): CapacityResult => ({
  variable: 'request-rate',
  mode: 'search',
  slo: '95 % of requests within TTFT 200 ms, TPOT 50 ms',
  max_passing: 13.6,
  min_failing: 14.2,
  gap: 0.044,
  stop_reason: 'precision',
  knee: 14.1,
  probes: [
    probe(1, 16.4, 'saturate', 'fail', 0.12, [0.08, 0.17], 14.3),
    probe(2, 8.2, 'bracket', 'pass', 0.995, [0.97, 0.999], 8.1),
    probe(3, 18, 'bracket', 'fail', 0.05, [0.03, 0.09], 14.2),
    probe(4, 12.3, 'refine', 'pass', 0.99, [0.965, 0.997], 12.2),
    probe(5, 15.1, 'refine', 'invalid', 0, [0, 0], 14),
    probe(6, 14.9, 'refine', 'unresolved', 0.94, [0.925, 0.955], 14.2),
    probe(7, 13.6, 'refine', 'pass', 0.975, [0.955, 0.987], 13.5),
    probe(8, 14.2, 'refine', 'fail', 0.9, [0.87, 0.93], 14.1),
  ],
});

/** A capacity point as the reporter records it: the plain sample's first point, carrying the answer. */
export function sampleCapacityPoint(capacity: CapacityResult = sampleCapacity()): CapacityPoint {
  const base = sampleResults().points[0];
  if (!base) throw new Error('the sample results have no point');
  return {
    ...base,
    experiment: 'saturation: Llama-3.1-8B on one H100',
    test: 'max request rate under the SLO',
    x: null,
    xLabel: null,
    offeredRate: null,
    simulated: true,
    capacity,
  };
}

import { describe, expect, it } from 'vitest';
import type { CapacityProbe, CapacityResult } from '../capacity/result.ts';
import { judgeAnswer } from './capacity-baseline.ts';

const probe = (index: number, share: number, ci: [number, number], pilot: boolean): CapacityProbe => ({
  index,
  load: 13.9,
  phase: 'confirm',
  ...(pilot ? { pilot: true } : {}),
  extensions: 0,
  judgedRequests: 100 * index,
  achievedOfferedRate: 13.8,
  throughput: 13.9,
  objectives: [
    { objective: 'attainment', target: 0.95, measured: share, ci, judgedAgainst: 0.95, verdict: 'undecided' },
  ],
  verdict: 'unresolved',
  invalidReasons: [],
  summary: {},
  rawFile: null,
});

describe('judging a confirmation against the recorded capacity', () => {
  it('quotes the last run at the recorded load, not the pilot before it', () => {
    const result: CapacityResult = {
      variable: 'request-rate',
      mode: 'confirm',
      slo: '95 % of requests within TTFT 200 ms',
      max_passing: null,
      min_failing: null,
      gap: null,
      stop_reason: 'unresolved',
      knee: null,
      probes: [probe(1, 0.97, [0.818, 0.996], true), probe(2, 0.963, [0.832, 0.993], false)],
    };
    const recorded = {
      variable: 'request-rate' as const,
      slo: result.slo,
      max_passing: 13.9,
      min_failing: 14.4,
      knee: null,
      stop_reason: 'precision' as const,
    };
    const verdict = judgeAnswer(result, recorded);
    expect(verdict.verdict).toBe('insufficient-samples');
    expect(verdict.note).toContain('attainment 0.963 [0.832, 0.993] vs 0.95');
  });
});

import { describe, expect, it } from 'vitest';
import { gatePlan } from './plan.ts';

describe('gatePlan: what a run of n requests can judge, before it runs', () => {
  it('150 requests judge the medians and p90s, not the p99s, and say what those need', () => {
    const plan = gatePlan(150);
    expect(plan.judged).toEqual([
      'p50_ttft_ms',
      'p90_ttft_ms',
      'p50_tpot_ms',
      'p90_tpot_ms',
      'p90_e2el_ms',
      'output_throughput',
    ]);
    expect(plan.notJudged).toEqual([
      'p99_ttft_ms needs >= 500 requests (this run: 150)',
      'p99_tpot_ms needs >= 500 requests (this run: 150)',
      'p99_e2el_ms needs >= 500 requests (this run: 150)',
    ]);
    expect(plan.entries.find((e) => e.metric === 'output_throughput')?.alsoNeeds).toMatch(
      /1 s from the first/,
    );
  });

  it('uses exact integer tail counts: p90 from 50 requests (not 51), p99 from 500', () => {
    expect(gatePlan(49).judged).not.toContain('p90_ttft_ms');
    expect(gatePlan(50).judged).toContain('p90_ttft_ms');
    expect(gatePlan(499).judged).not.toContain('p99_ttft_ms');
    expect(gatePlan(500).notJudged).toEqual([]);
    expect(gatePlan(19).judged).toEqual([]);
    expect(gatePlan(20).judged).toEqual(['p50_ttft_ms', 'p50_tpot_ms', 'output_throughput']);
  });

  it('follows a larger minimum sample count', () => {
    expect(gatePlan(60, { minSamples: 100 }).notJudged[0]).toBe(
      'p50_ttft_ms needs >= 100 requests (this run: 60)',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { checkSlo, type Slo } from './slo.ts';

const summary = { p99_ttft_ms: 120, mean_ttft_ms: 80, completed: 99, failed: 1, ci95: {} };

describe('checkSlo', () => {
  it('checks each limit against the summary', () => {
    const checks = checkSlo({ ttft: { p99: 100, mean: 100 }, errorRate: 0.05 }, summary);
    expect(checks.map((c) => [c.metric, c.pass])).toEqual([
      ['mean_ttft_ms', true],
      ['p99_ttft_ms', false],
      ['error_rate', true],
    ]);
  });

  it('rejects a statistic servebench does not compute, naming the field', () => {
    const typo = { ttft: { p98: 100 } } as unknown as Slo;
    expect(() => checkSlo(typo, summary)).toThrow(/invalid SLO:\n {2}ttft: Unrecognized key: "p98"/);
  });
});

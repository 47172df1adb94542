import { describe, expect, it } from 'vitest';
import { baselineGaps, compareSamples } from '../baseline/compare.ts';
import { formatVerdicts } from './matchers.ts';

const run = (scale: number, n: number) => {
  const values = Array.from({ length: n }, (_, i) => scale * (1 + 0.1 * Math.sin(i)));
  return { ttft: values, tpot: values, e2el: values, outputTokensPerSecond: [], outputBinMs: 50 };
};

describe('toMatchBaseline message', () => {
  it('says which metrics a run of this size cannot judge and what they need', () => {
    const text = formatVerdicts(compareSamples(run(100, 150), run(100, 150)));
    expect(text).toMatch(/metric\s+baseline\s+measured\s+change\s+95% CI\s+tolerance\s+verdict/);
    expect(text).toMatch(/p99_ttft_ms .* NOT JUDGED/);
    expect(text).toContain('  not judged: p99_ttft_ms needs >= 500 requests (this run: 150)');
    expect(text).toMatch(/p50_ttft_ms .*\[.*%, .*%\]\s+±5%\s+OK/);
  });
});

describe('toMatchBaseline options', () => {
  it('a negative tolerance or a metric the gate does not judge is an error naming the field', async () => {
    const result = { summary: { valid: true }, records: [], key: {} };
    await expect(expect(result).toMatchBaseline({ tolerance: { default: -0.1 } })).rejects.toThrow(
      /invalid toMatchBaseline\(\) options:\n {2}tolerance\.default: expected a relative change >= 0 \(0\.1 allows 10 %\), got -0\.1/,
    );
    await expect(expect(result).toMatchBaseline({ tolerance: { p99_ttft: 0.2 } })).rejects.toThrow(
      /tolerance\.p99_ttft: unknown metric 'p99_ttft'; expected 'default' or one the gate judges: p50_ttft_ms, .*p99_ttft_ms/,
    );
  });
});

describe('a baseline that cannot judge what this run can', () => {
  it('is found for a zeroed or emptied sample set, not for a run too short for a metric', () => {
    const zero = { ...run(100, 150), tpot: Array.from({ length: 150 }, () => 0) };
    expect(baselineGaps(zero, run(100, 150)).map((g) => [g.field, g.metric])).toEqual([
      ['tpot', 'p50_tpot_ms'],
      ['tpot', 'p90_tpot_ms'],
    ]);
    const emptied = { ...run(100, 150), ttft: [] };
    expect(baselineGaps(emptied, run(100, 150))[0]).toEqual({
      metric: 'p50_ttft_ms',
      field: 'ttft',
      reason: '0 samples, where this run has 150 and p50_ttft_ms needs >= 20',
    });
    // p99 needs 500: neither side can judge it, which is the run's size, not the baseline's fault.
    expect(baselineGaps(run(100, 150), run(100, 150))).toEqual([]);
    // A time-bound run lands a few requests either side of p90's 50: not a broken baseline.
    expect(baselineGaps(run(100, 48), run(100, 52))).toEqual([]);
  });
});

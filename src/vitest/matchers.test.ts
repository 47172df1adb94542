import { describe, expect, it } from 'vitest';
import { compareSamples } from '../baseline/compare.ts';
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

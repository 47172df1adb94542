import { describe, expect, it } from 'vitest';
import type { PointTelemetry } from '../telemetry/schema.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { type ResultsFile, resultsFileSchema } from './schema.ts';
import { renderTelemetryTable } from './telemetry-table.ts';

const telemetry: PointTelemetry = {
  source: 'nvidia-smi',
  intervalMs: 500,
  durationS: 12.5,
  gpus: [
    {
      index: '0',
      uuid: 'GPU-5f1c2d3e-aaaa-bbbb-cccc-123456789abc',
      samples: 25,
      utilizationPct: { mean: 61.4, max: 100 },
      memoryUsedMiB: { mean: 15_360, max: 16_384 },
      memoryTotalMiB: 81_559,
      smClockMHz: { mean: 1_854.2, max: 1_980 },
      powerW: { mean: 301.6, max: 455.2 },
    },
  ],
};

/** The sample results as a GPU run whose first point has telemetry and second lacks some. */
function gpuResults(): ResultsFile {
  const results = resultsFileSchema.parse(sampleResults());
  const [first, second] = results.points;
  if (!first || !second) throw new Error('sample has fewer than 2 points');
  first.telemetry = telemetry;
  second.telemetry = { ...telemetry, gpus: [], error: 'nvidia-smi not found: no GPU telemetry' };
  // The telemetry field round-trips through the results schema.
  return resultsFileSchema.parse({ ...results, simulated: false, target: 'process' });
}

describe('renderTelemetryTable', () => {
  it('is empty when no point has telemetry (simulated runs)', () => {
    expect(renderTelemetryTable(resultsFileSchema.parse(sampleResults()).points)).toBe('');
  });

  it('shows mean / max per point and GPU, and why a point has none', () => {
    const points = gpuResults().points;
    const text = renderTelemetryTable(points);
    const lines = text.split('\n');
    expect(lines[0]).toBe('**GPU telemetry** (nvidia-smi every 500 ms while the load ran; mean / max):');
    expect(lines).toContain(
      '| test | GPU | utilization (%) | memory used (GiB) | SM clock (MHz) | power (W) | samples |',
    );
    const row = lines.find((l) => l.startsWith(`| ${points[0]?.test}`));
    expect(row).toBe(
      `| ${points[0]?.test} | 0 (GPU-5f1c2d3e…) | 61 / 100 | 15.0 / 16.0 of 79.6 | 1,854 / 1,980 | 302 / 455 | 25 |`,
    );
    expect(text).toContain(`- ⚠️ **${points[1]?.test}**: nvidia-smi not found: no GPU telemetry`);
  });

  it('is part of the experiment section of the Markdown report', () => {
    const { markdown } = renderMarkdown(gpuResults());
    expect(markdown).toContain('**GPU telemetry**');
    expect(markdown).toContain('| 0 (GPU-5f1c2d3e…) |');
  });
});

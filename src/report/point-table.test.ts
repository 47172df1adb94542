import { describe, expect, it } from 'vitest';
import { renderPointNotes, renderPointTable } from './point-table.ts';
import { sampleResults } from './sample-results.ts';
import type { PointResult } from './schema.ts';

/** A sample point whose requests waited in the client: queue-inclusive TTFT far above vLLM's. */
function queuedPoint(): PointResult {
  const p = structuredClone(sampleResults().points[0] as PointResult);
  p.summary = {
    ...p.summary,
    p99_ttft_ms: 70.9,
    p99_queued_ttft_ms: 1936.4,
    ci95: { p99_queued_ttft_ms: [1800, 2010] },
  };
  p.slo = [{ metric: 'p99_queued_ttft_ms', limit: 200, measured: 1936.4, ci: [1800, 2010], pass: false }];
  p.state = 'failed';
  return p;
}

describe('point table: both TTFT variants', () => {
  it('shows the queue-inclusive p99 TTFT beside the send-based one', () => {
    const [header, , row] = renderPointTable([queuedPoint()]).split('\n');
    const headers = (header ?? '').split('|').map((h) => h.trim());
    const cells = (row ?? '').split('|').map((c) => c.trim());
    const at = headers.indexOf('p99 TTFT (ms)');
    expect(headers[at + 1]).toBe('p99 queued TTFT (ms)');
    expect(cells[at]).toBe('70.9');
    expect(cells[at + 1]).toBe('1,936.4 [1,800.0, 2,010.0]');
  });

  it('has no queued column for summaries without it', () => {
    expect(renderPointTable(sampleResults().points.slice(0, 2))).not.toContain('queued');
  });

  it('names the judged variant in an SLO note and gives the other one beside it', () => {
    expect(renderPointNotes([queuedPoint()])).toContain(
      'SLO p99 queued TTFT `p99_queued_ttft_ms` not met: measured 1,936.4 ms (95% CI 1,800.0 ms – 2,010.0 ms), ' +
        'limit 200.0 ms; p99 TTFT `p99_ttft_ms` (not judged) 70.9 ms',
    );
  });
});

describe("point notes: the summary's notes on how counts were made", () => {
  it('lists each note under the point, so counts from chunks or estimates are never silent', () => {
    const p = structuredClone(sampleResults().points[0] as PointResult);
    p.summary = { ...p.summary, notes: ['output tokens of 6 of 6 requests were counted from the chunks'] };
    expect(renderPointNotes([p])).toContain(
      `- ℹ️ **${p.test}**: output tokens of 6 of 6 requests were counted from the chunks`,
    );
    p.summary = { ...p.summary, notes: undefined };
    expect(renderPointNotes([p])).not.toContain('counted from');
  });
});

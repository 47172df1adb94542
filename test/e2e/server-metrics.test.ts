import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dirs, vitest } from './helpers/fixture-project.ts';

describe("a real Vitest run records what the server's own /metrics said", () => {
  it('puts serverMetrics on every point, the scraped samples beside the raw records and a table in the report', async () => {
    const d = await dirs();
    // The plumbing is under test, not the host's speed.
    const run = await vitest(
      { FX_OPTIONS: d.options(), FX_MAX_LATENESS_MS: '1000', FX_TTFT_LIMIT: '60000' },
      ['suite.test.ts'],
    );
    expect(run.code, run.out).toBe(0);
    const results = JSON.parse(await readFile(join(d.results, 'results.json'), 'utf8'));
    expect(results.points).toHaveLength(2);
    for (const point of results.points) {
      const m = point.serverMetrics;
      expect(m).toMatchObject({ source: 'prometheus', engine: 'vllm', available: true, failedScrapes: 0 });
      const records = (await readFile(join(d.results, point.rawFile), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { output_tokens: number });
      // The simulator counts what the client received, token for token.
      const output = records.reduce((n, r) => n + r.output_tokens, 0);
      expect(m.counters.generationTokens.increase).toBe(output);
      expect(m.crossChecks).toContainEqual(
        expect.objectContaining({ field: 'generationTokens', agrees: true }),
      );
      expect(m.histograms.ttft.count).toBe(records.length);
      expect(m.rawFile).toBe(point.rawFile.replace(/\.jsonl$/, '.server-metrics.jsonl'));
      const scrapes = (await readFile(join(d.results, m.rawFile), 'utf8')).trim().split('\n');
      expect(scrapes).toHaveLength(m.scrapes);
      expect(JSON.parse(scrapes[0] ?? '{}').phase).toBe('start');
    }
    const summary = await readFile(join(d.results, 'summary.md'), 'utf8');
    expect(summary).toContain('**Server metrics**');
    expect(summary).toMatch(/\| 10 req\/s \| vLLM \| [\d,]+ \| [\d,]+ \(client [\d,]+\) \|/);
  });
});

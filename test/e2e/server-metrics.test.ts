import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixed } from '../../src/report/format.ts';
import { parseXml, select, type XmlElement } from '../helpers/report/parse-xml.ts';
import { dirs, vitest } from './helpers/fixture-project.ts';

describe("a real Vitest run records what the server's own /metrics said", () => {
  it('puts serverMetrics on every point, the scraped samples beside the raw records, a table and the phase breakdown with its chart in the report', async () => {
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

    // The phase breakdown: the server's mean queue, prefill and decode per request beside the
    // client's mean TTFT and E2EL, one row and one bar per point, the numbers results.json has.
    expect(summary).toContain('**Phase breakdown (server):**');
    const chartFile = (await readdir(join(d.results, 'charts'))).find((f) => f.endsWith('-phases.svg'));
    expect(chartFile).toBeDefined();
    expect(summary).toContain(`](charts/${chartFile})`);
    const svg = parseXml(await readFile(join(d.results, 'charts', chartFile as string), 'utf8'));
    const bars = select(svg, 'g', 'bar');
    expect(bars.map((b) => b.attrs['data-label'])).toEqual(['10 offered req/s', '20 offered req/s']);
    const ms = (v: number) => fixed(v, 1).replace(/\./g, '\\.');
    for (const [i, point] of results.points.entries()) {
      const h = point.serverMetrics.histograms;
      const means = [h.queueTime, h.prefillTime, h.decodeTime].map((x) => x.meanMs as number);
      for (const x of [h.queueTime, h.prefillTime, h.decodeTime]) expect(x.count).toBe(h.ttft.count);
      const segments = select(bars[i] as XmlElement, 'rect', 'segment');
      expect(segments.map((s) => s.attrs['data-segment'])).toEqual(['queue', 'prefill', 'decode']);
      expect(segments.map((s) => Number(s.attrs['data-value']))).toEqual(means);
      expect(select(bars[i] as XmlElement, 'g', 'mark').map((m) => Number(m.attrs['data-value']))).toEqual([
        point.summary.mean_ttft_ms,
        point.summary.mean_e2el_ms,
      ]);
      const [queue, prefill, decode] = means as [number, number, number];
      const row = new RegExp(
        `^\\| ${point.x} offered req/s \\| ${h.ttft.count} \\| ${ms(queue)} \\| ${ms(prefill)} \\| ${ms(decode)} \\| ` +
          `(<1|\\d+)% / \\d+% / \\d+% \\| ${ms(queue + prefill)} vs ${ms(point.summary.mean_ttft_ms)} \\| [+-]?[\\d,.]+ \\([^)]*\\)( ⚠️)? \\| ` +
          `${ms(queue + prefill + decode)} vs ${ms(point.summary.mean_e2el_ms)} \\| [+-]?[\\d,.]+ \\(`,
        'm',
      );
      expect(summary).toMatch(row);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parseXml, select, textOf } from '../../test/helpers/report/parse-xml.ts';
import { renderMarkdown, SIMULATED_BANNER } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { type PointResult, type ResultsFile, resultsFileSchema } from './schema.ts';

/** The sample, validated against the schema so it cannot drift from what the reporter writes. */
const sample = (): ResultsFile => resultsFileSchema.parse(sampleResults());

/** The section of `markdown` under `## heading`, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, `section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

/** GFM tables in `markdown`: rows of cells, split on pipes that are not escaped. */
function tables(markdown: string): string[][][] {
  const found: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      current = null;
      continue;
    }
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (!current) {
      current = [];
      found.push(current);
    }
    if (!cells.every((c) => /^-+:?$|^:?-+$/.test(c))) current.push(cells);
  }
  return found;
}

/** Table rows as objects keyed by the header row. */
function records(table: string[][]): Array<Record<string, string>> {
  const [header, ...rows] = table;
  return rows.map((row) => Object.fromEntries((header ?? []).map((h, i) => [h, row[i] ?? ''])));
}

describe('renderMarkdown', () => {
  it('opens with the target and a banner that cannot be missed when results are simulated', () => {
    const { markdown } = renderMarkdown(sample());
    const [title, blank, alert, banner, reason] = markdown.split('\n');
    expect([title, blank, alert]).toEqual(['# servebench results', '', '> [!WARNING]']);
    expect(banner).toContain(SIMULATED_BANNER);
    expect(banner).toMatch(/^> \*\*⚠️ /);
    expect(reason).toContain('auto: no GPU found, using the simulator');
    expect(markdown).toContain('- **Target:** `sim`: auto: no GPU found, using the simulator');
    expect(markdown).toContain('- **GPUs:** none');
    expect(markdown).toContain('(7 min 42 s)');
  });

  it('has no banner for GPU results, and a partial one when only some points are simulated', () => {
    const gpu = sample();
    gpu.simulated = false;
    gpu.target = 'container';
    gpu.gpus = ['0: NVIDIA H100 80GB HBM3 (GPU-1234)'];
    gpu.points = gpu.points.map((p) => ({ ...p, simulated: false }));
    const { markdown } = renderMarkdown(gpu);
    expect(markdown).not.toContain(SIMULATED_BANNER);
    expect(markdown).not.toContain('[!WARNING]');
    expect(markdown).toContain('- **GPUs:** 0: NVIDIA H100 80GB HBM3 (GPU-1234)');

    const mixed = { ...gpu, points: gpu.points.map((p, i) => ({ ...p, simulated: i === 0 })) };
    expect(renderMarkdown(mixed).markdown).toContain(
      `${SIMULATED_BANNER} (1 of ${gpu.points.length} points).`,
    );
  });

  it('counts outcomes across all points', () => {
    const { markdown } = renderMarkdown(sample());
    const outcome = markdown.split('\n').find((l) => l.startsWith('- **Outcome:**'));
    expect(outcome).toBe(
      '- **Outcome:** 12 points in 3 experiments: ✅ 6 passed, ❌ 6 failed, ⚠️ 1 invalid; baseline: ❌ 1 regressed, ✅ 1 improved, 🆕 3 new or updated, ⚠️ 1 without a baseline',
    );
  });

  it('gives each experiment a section, in the order the points came', () => {
    const { markdown } = renderMarkdown(sample());
    const headings = markdown.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## saturation', '## scaling', '## smoke & \\<edge\\> cases']);
  });

  it('tabulates every point with throughput, latency percentiles with CIs, failures, SLO and baseline', () => {
    const results = sample();
    const { markdown } = renderMarkdown(results);
    const [table] = tables(section(markdown, 'saturation'));
    const rows = records(table as string[][]);
    expect(rows).toHaveLength(results.points.filter((p) => p.experiment === 'saturation').length);
    // x is the offered rate here, so there is no separate "offered" column.
    expect(Object.keys(rows[0] ?? {})).toEqual([
      'test',
      'offered rate (req/s)',
      'req/s',
      'output tok/s',
      'goodput (req/s)',
      'p50 TTFT (ms)',
      'p99 TTFT (ms)',
      'p99 TPOT (ms)',
      'p99 ITL (ms)',
      'p99 E2EL (ms)',
      'failed',
      'SLO',
      'baseline',
    ]);
    const at10 = rows.find((r) => r.test?.includes('10 req/s'));
    expect(at10).toMatchObject({
      test: '❌ 10 req/s',
      'offered rate (req/s)': '10',
      'req/s': '9.91',
      'output tok/s': '1,268.5',
      'goodput (req/s)': '9.85',
      'p99 TTFT (ms)': '87.2 [80.2, 97.0]',
      'p99 ITL (ms)': '12.9',
      failed: '0',
      SLO: '✅ pass',
      baseline: '❌ p99 TTFT +23.3%',
    });
    const at20 = rows.find((r) => r.test?.includes('20 req/s'));
    expect(at20?.['p99 TTFT (ms)']).toBe('2,405.1 [2,212.7, 2,674.5]');
    expect(at20?.SLO).toBe('❌ p99 TTFT');
    expect(rows.find((r) => r.test?.includes('60 req/s'))?.test).toBe('❌ 60 req/s (invalid)');
  });

  it('marks baseline verdicts: ok with the largest change, improved, regressed, new, missing, skipped', () => {
    const { markdown } = renderMarkdown(sample());
    const all = tables(markdown).flatMap((t) => records(t));
    const baseline = (test: string) => all.find((r) => r.test?.endsWith(test))?.baseline;
    expect(baseline('2 req/s')).toBe('✅ ok (p99 TTFT +2.0%)');
    expect(baseline('5 req/s')).toBe('✅ p99 TPOT -12.0%');
    expect(baseline('10 req/s')).toBe('❌ p99 TTFT +23.3%');
    expect(baseline('4 GPUs at 60 req/s')).toBe('🆕 new');
    expect(baseline('60 req/s (invalid)')).toBe('⚠️ skipped');
    expect(all.find((r) => r.test?.startsWith('closed loop'))?.baseline).toBe('⚠️ no baseline');
  });

  it('shows an offered column when x is something else, and failures with their share', () => {
    const { markdown } = renderMarkdown(sample());
    const rows = records(tables(section(markdown, 'scaling'))[0] as string[][]);
    expect(rows.map((r) => r['GPUs (data parallel)'])).toEqual(['1', '2', '4']);
    expect(rows.map((r) => r['offered (req/s)'])).toEqual(['60.00', '60.00', '60.00']);
    expect(rows[0]?.failed).toBe('12 (1.2%)');
    expect(rows[0]?.SLO).toBe('—');
  });

  it('escapes names so they cannot break the table or inject HTML', () => {
    const { markdown } = renderMarkdown(sample());
    const smoke = section(markdown, 'smoke & \\<edge\\> cases');
    const [table] = tables(smoke);
    const [header, row] = table as string[][];
    expect(row).toHaveLength((header as string[]).length);
    expect(row?.[0]).toBe('closed loop \\| c=4 \\<smoke\\> \\*a\\_b\\*');
    // No column for x, offered rate or goodput: this point has none of them.
    expect(header).not.toContain('offered (req/s)');
    expect(header).not.toContain('goodput (req/s)');
    // Every < that could open an HTML tag is escaped.
    expect(markdown).not.toMatch(/(?<!\\)<[a-z/]/i);
  });

  it('spells out invalid reasons, failing SLOs and baseline messages below the table', () => {
    const { markdown } = renderMarkdown(sample());
    const saturation = section(markdown, 'saturation');
    expect(saturation).toContain(
      '- ⚠️ **60 req/s**: invalid run: client fell behind: p99 send lateness 42.0 ms \\> 10.0 ms allowed',
    );
    expect(saturation).toContain(
      '- ❌ **15 req/s**: SLO p99 TTFT `p99_ttft_ms` not met: measured 312.9 ms (95% CI 287.9 ms – 347.3 ms), limit 200.0 ms',
    );
    expect(saturation).toContain('- ℹ️ **60 req/s**: baseline: invalid runs are not compared');
    // The SLO line already explains the failure; the assertion message is not repeated.
    expect(saturation).not.toContain('exceeds the SLO');
    expect(section(markdown, 'smoke & \\<edge\\> cases')).toContain('closest differs in model');
  });

  it('lists errors of a failed point that nothing else explains, first lines only', () => {
    const results = sample();
    const point = results.points.find((p) => p.experiment === 'scaling') as PointResult;
    point.state = 'failed';
    point.errors = ['server exited with code 137\n    at stack frame', 'second', 'third', 'fourth', 'fifth'];
    const scaling = section(renderMarkdown(results).markdown, 'scaling');
    expect(scaling).toContain(`- ❌ **${point.test}**: server exited with code 137`);
    expect(scaling).not.toContain('stack frame');
    expect(scaling).toContain('and 2 more errors');
  });

  it('compares with the baseline: each regressed and improved metric, and what under test changed', () => {
    const { markdown } = renderMarkdown(sample());
    const saturation = section(markdown, 'saturation');
    const diff = saturation.slice(saturation.indexOf('### Baseline comparison'));
    expect(diff).toContain('8 metric comparisons on 7 points: ❌ 1 regressed, ✅ 1 improved');
    const rows = records(tables(diff)[0] as string[][]);
    expect(rows).toEqual([
      {
        test: '5 req/s',
        metric: 'p99 TPOT `p99_tpot_ms`',
        baseline: '7.5 ms',
        current: '6.6 ms',
        change: '-12.0%',
        '95% CI of change': '[-17.0%, -7.0%]',
        tolerance: '±10.0%',
        verdict: '✅ improved (lower is better)',
      },
      {
        test: '10 req/s',
        metric: 'p99 TTFT `p99_ttft_ms`',
        baseline: '70.7 ms',
        current: '87.2 ms',
        change: '+23.3%',
        '95% CI of change': '[+15.1%, +31.8%]',
        tolerance: '±10.0%',
        verdict: '❌ regressed (lower is better)',
      },
    ]);
    expect(diff).toContain('**Under test, changed from the baseline** (every compared point):');
    expect(diff).toContain('- server: `servebench-sim 0.1.0` → `servebench-sim 0.2.0`');
    expect(diff).toContain(
      '- serverArgs: `--max-num-seqs 256` → `--max-num-seqs 256 --enable-chunked-prefill` (added `--enable-chunked-prefill`)',
    );
    // Nothing to compare in the other experiments.
    expect(section(markdown, 'scaling')).not.toContain('Baseline comparison');
  });

  it('names a metric without a label of its own once, and says why a comparison was not judged', () => {
    const results = sample();
    const point = results.points.find((p) => p.experiment === 'saturation' && p.baseline);
    if (!point?.baseline) throw new Error('the sample has no compared saturation point');
    point.baseline.verdicts = [
      {
        metric: '50 %: attainment',
        direction: 'higher-is-better',
        baseline: 1,
        current: 0.93,
        change: -0.07,
        ci: null,
        tolerance: 0,
        verdict: 'insufficient-samples',
        note: 'undecided now (attainment 0.93 [0.84, 0.96] vs 0.9): not a regression',
      },
    ];
    const saturation = section(renderMarkdown(results).markdown, 'saturation');
    expect(saturation).toContain('⚠️ 1 not judged (too few samples, or undecided: see each note)');
    const diff = saturation.slice(saturation.indexOf('### Baseline comparison'));
    const row = diff.split('\n').find((line) => line.includes('50 %: attainment'));
    expect(row).toContain(`| ${point.test} | 50 %: attainment |`);
    expect(saturation).not.toContain('`50 %: attainment`');
  });

  it('draws the saturation and decode-latency charts for swept experiments and links them', () => {
    const { markdown, charts } = renderMarkdown(sample());
    expect(charts.map((c) => c.file)).toEqual([
      'charts/saturation-throughput-ttft.svg',
      'charts/saturation-tpot-itl.svg',
      'charts/scaling-throughput-ttft.svg',
      'charts/scaling-tpot-itl.svg',
    ]);
    for (const { file } of charts) expect(markdown).toMatch(new RegExp(`!\\[[^\\]]+\\]\\(${file}\\)`));
    expect(section(markdown, 'smoke & \\<edge\\> cases')).not.toContain('![');

    const svg = parseXml((charts[0] as { svg: string }).svg);
    const series = select(svg, 'g', 'series').map((g) => g.attrs['data-name']);
    expect(series).toEqual(['offered', 'request throughput', 'p99 TTFT', 'goodput']);
    const right = select(svg, 'g', 'right')[0];
    // 62 ms to 6.9 s: the TTFT axis goes logarithmic.
    expect(textOf(select(right ?? svg, 'text', 'axis-label')[0] ?? svg)).toBe('p99 TTFT (ms) (log scale)');
    // CI error bars on every TTFT point.
    const ttft = select(svg, 'g', 'series').find((g) => g.attrs['data-name'] === 'p99 TTFT');
    expect(select(ttft ?? svg, 'path', 'error-bars')[0]?.attrs.d?.match(/M/g)).toHaveLength(3 * 8);
    // Scaling does not sweep the offered rate: no "offered" guide there.
    const scaling = parseXml((charts[2] as { svg: string }).svg);
    expect(select(scaling, 'g', 'series').map((g) => g.attrs['data-name'])).not.toContain('offered');
  });

  it('links charts where told to, or leaves images out for job summaries', () => {
    const linked = renderMarkdown(sample(), { chartHref: (f) => `https://ci.example/run 1/${f}` });
    expect(linked.markdown).toContain('](https://ci.example/run%201/charts/saturation-throughput-ttft.svg)');
    const bare = renderMarkdown(sample(), { chartHref: null });
    expect(bare.markdown).not.toContain('![');
    expect(bare.charts).toHaveLength(4);
  });

  it('keeps chart files apart when experiment names slug alike', () => {
    const results = sample();
    const swept = results.points.filter((p) => p.experiment === 'scaling');
    results.points = [...swept, ...swept.map((p) => ({ ...p, experiment: 'Scaling!' }))];
    const files = renderMarkdown(results).charts.map((c) => c.file);
    expect(new Set(files).size).toBe(files.length);
    expect(files).toContain('charts/scaling-2-throughput-ttft.svg');
  });

  it('says so when nothing was recorded', () => {
    const empty = { ...sample(), points: [] };
    const { markdown, charts } = renderMarkdown(empty);
    expect(markdown).toContain('No load points were recorded.');
    expect(markdown).toContain('0 points in 0 experiments: nothing ran');
    expect(charts).toEqual([]);
  });

  it('shows a dash for metrics a summary lacks instead of failing', () => {
    const results = sample();
    const point = results.points[0] as PointResult;
    point.summary = { completed: 0, failed: 500, p99_ttft_ms: 'n/a', ci95: { p99_ttft_ms: [1] } };
    const rows = records(tables(section(renderMarkdown(results).markdown, 'saturation'))[0] as string[][]);
    expect(rows[0]).toMatchObject({ 'req/s': '—', 'p99 TTFT (ms)': '—', failed: '500 (100.0%)' });
  });
});

import { describe, expect, it } from 'vitest';
import { sampleCapacity, sampleCapacityPoint } from '../../test/helpers/report/capacity-sample.ts';
import { allElements, parseXml, select } from '../../test/helpers/report/parse-xml.ts';
import { answerLine, capacityChart, probesTable } from './capacity-report.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { resultsFileSchema } from './schema.ts';
import { lineChart } from './svg-chart.ts';

describe('capacity in the report: the answer first', () => {
  it('states the answer, its bracket, the knee and why the search stopped in one line', () => {
    expect(answerLine(sampleCapacityPoint())).toBe(
      '**Max request rate under SLO (95 % of requests within TTFT 200 ms, TPOT 50 ms): 13.6 req/s**, ' +
        'bracket [13.6, 14.2]; knee 14.1 req/s (bracket within the precision asked; 8 load runs).',
    );
    // An unresolved load inside the bracket is named: the boundary is near it.
    const wide = { ...sampleCapacity(), min_failing: 16.4 };
    expect(answerLine(sampleCapacityPoint(wide))).toMatch(
      /bracket \[13\.6, 16\.4\]; undecided at 14\.9 req\/s; knee/,
    );
    const none = { ...sampleCapacity(), max_passing: null, stop_reason: 'min-load' as const };
    expect(answerLine(sampleCapacityPoint(none))).toMatch(
      /none found\*\*: the SLO failed even at the lowest load tried/,
    );
  });

  it('a confirmation says whether the recorded capacity still holds, and notices an improvement', () => {
    const probes = sampleCapacity()
      .probes.slice(6, 8)
      .map((p) => ({ ...p, phase: 'confirm' as const }));
    const held = { ...sampleCapacity(), mode: 'confirm' as const, stop_reason: 'confirmed' as const, probes };
    expect(answerLine(sampleCapacityPoint({ ...held, max_passing: 13.6 }))).toMatch(
      /^\*\*✅ SLO holds at 13.6 req\/s\*\*, the recorded capacity/,
    );
    expect(answerLine(sampleCapacityPoint({ ...held, max_passing: 14.2 }))).toMatch(
      /also held at 14.2 req\/s: capacity improved/,
    );
    const broken = { ...held, stop_reason: 'not-confirmed' as const, max_passing: null };
    expect(answerLine(sampleCapacityPoint(broken))).toMatch(/^\*\*❌ SLO no longer holds at 13.6 req\/s\*\*/);
  });

  it('lists every load run with its interval, verdict and why an invalid one did not count', () => {
    const rows = probesTable(sampleCapacity()).split('\n');
    expect(rows).toHaveLength(2 + 8);
    expect(rows[2]).toContain('saturate');
    expect(rows[7]).toMatch(/attainment 94\.0% \[92\.5, 95\.5\] ≥ 95\.0%.*⚠️ unresolved/);
    expect(rows[6]).toMatch(/⚠️ invalid: the simulator fell behind its model/);
  });

  it('draws probes by verdict (unresolved and invalid hollow), the target, the bracket, the knee, SIMULATED', () => {
    const options = capacityChart(sampleCapacityPoint());
    expect(options).not.toBeNull();
    const svg = parseXml(lineChart(options as NonNullable<typeof options>));
    const names = select(svg, 'g', 'series').map((g) => g.attrs['data-name']);
    expect(names).toEqual(['pass', 'fail', 'unresolved', 'target 95%']);
    const hollow = allElements(svg).filter((e) => e.attrs.class === 'marker' && e.attrs.fill === '#ffffff');
    expect(hollow.length).toBeGreaterThanOrEqual(2); // the unresolved probe and its legend sample
    expect(select(svg, 'g', 'band')).toHaveLength(1);
    expect(select(svg, 'g', 'x-mark')).toHaveLength(1);
    expect(select(svg, 'text', 'watermark')[0]?.text).toBe('SIMULATED');
    // A share keeps its [0, 1] axis whatever the probes measured.
    const yTicks = select(svg, 'g', 'left').flatMap((g) => select(g, 'text', 'tick').map((t) => t.text));
    expect([yTicks[0], yTicks.at(-1)]).toEqual(['0', '1.0']);
  });

  it('summary.md puts the answer in the header and at the top of the experiment, with both charts', () => {
    const results = resultsFileSchema.parse({ ...sampleResults(), points: [sampleCapacityPoint()] });
    const { markdown, charts } = renderMarkdown(results);
    const answer = answerLine(sampleCapacityPoint());
    expect(markdown.indexOf(answer)).toBeLessThan(markdown.indexOf('## saturation'));
    const section = markdown.slice(markdown.indexOf('## saturation'));
    expect(section.split('\n').filter((l) => l.trim() !== '')[2]).toBe(answer);
    expect(charts.map((c) => c.file)).toEqual([
      'charts/saturation-llama-3-1-8b-on-one-h100-capacity.svg',
      'charts/saturation-llama-3-1-8b-on-one-h100-capacity-throughput.svg',
    ]);
  });
});

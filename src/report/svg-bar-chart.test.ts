import { describe, expect, it } from 'vitest';
import { parseXml, select, textOf, type XmlElement } from '../../test/helpers/report/parse-xml.ts';
import { type StackedBarChartOptions, stackedBarChart, textOn } from './svg-bar-chart.ts';
import { palette } from './svg-chart.ts';

const phases = (): StackedBarChartOptions => ({
  title: 'saturation: server time per request by phase',
  valueLabel: 'mean time per request (ms)',
  unit: 'ms',
  segments: [{ name: 'queue', colour: '#E69F00' }, { name: 'prefill' }, { name: 'decode' }],
  marks: [{ name: 'client mean TTFT' }, { name: 'client mean E2EL' }],
  bars: [
    { label: '2 offered req/s', values: [0.4, 18, 310], marks: [24, 335] },
    { label: '8 offered req/s', values: [35, 40, 420], marks: [82, 505] },
    { label: '16 offered req/s', values: [900, 120, 610], marks: [1030, Number.NaN] },
  ],
});

const attr = (e: XmlElement, name: string) => Number(e.attrs[name]);
const bars = (svg: XmlElement) => select(svg, 'g', 'bar');
const segments = (bar: XmlElement) => select(bar, 'rect', 'segment');
const xAxisLine = (svg: XmlElement) =>
  select(select(svg, 'g', 'x-axis')[0] as XmlElement, 'line')[0] as XmlElement;

describe('stackedBarChart', () => {
  it('is a well-formed standalone SVG on white in the line charts’ font, one bar per row', () => {
    const svg = parseXml(stackedBarChart(phases()));
    expect(svg.name).toBe('svg');
    expect(svg.attrs).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '720' });
    expect(svg.attrs['font-family']).toMatch(/^system-ui/);
    expect(select(svg, 'rect', 'background')[0]?.attrs.fill).toBe('#ffffff');
    expect(bars(svg).map((b) => b.attrs['data-label'])).toEqual([
      '2 offered req/s',
      '8 offered req/s',
      '16 offered req/s',
    ]);
    for (const bar of bars(svg)) {
      expect(segments(bar).map((s) => s.attrs['data-segment'])).toEqual(['queue', 'prefill', 'decode']);
    }
    // Height grows with the rows; the legend names every segment and mark.
    const legend = select(select(svg, 'g', 'legend')[0] as XmlElement, 'text').map(textOf);
    expect(legend).toEqual(['queue', 'prefill', 'decode', 'client mean TTFT', 'client mean E2EL']);
    const noE2el = phases().bars.map((b) => ({ ...b, marks: [b.marks?.[0] ?? Number.NaN] }));
    const withoutE2el = parseXml(stackedBarChart({ ...phases(), bars: noE2el }));
    expect(select(select(withoutE2el, 'g', 'legend')[0] as XmlElement, 'text').map(textOf)).not.toContain(
      'client mean E2EL',
    );
    const more = parseXml(stackedBarChart({ ...phases(), bars: [...phases().bars, ...phases().bars] }));
    expect(attr(more, 'height')).toBeGreaterThan(attr(svg, 'height'));
  });

  it('draws every segment with a length proportional to its value, stacked from 0 in order', () => {
    const svg = parseXml(stackedBarChart(phases()));
    const axis = xAxisLine(svg);
    const left = attr(axis, 'x1');
    const all = bars(svg).flatMap(segments);
    // px per ms, from the largest segment; every other one agrees within the 0.1 px rounding.
    const largest = all.find((s) => s.attrs['data-value'] === '900') as XmlElement;
    const perMs = attr(largest, 'width') / 900;
    for (const s of all) expect(attr(s, 'width')).toBeCloseTo(attr(s, 'data-value') * perMs, 0);
    for (const bar of bars(svg)) {
      const [q, p, d] = segments(bar) as [XmlElement, XmlElement, XmlElement];
      expect(attr(q, 'x')).toBe(left);
      expect(attr(p, 'x')).toBeCloseTo(attr(q, 'x') + attr(q, 'width'), 0);
      expect(attr(d, 'x')).toBeCloseTo(attr(p, 'x') + attr(p, 'width'), 0);
    }
    // The ticks say the same scale: the tick at 1,000 sits 1,000 ms from the left edge.
    const tick = select(select(svg, 'g', 'x-axis')[0] as XmlElement, 'text', 'tick').find(
      (t) => textOf(t) === '1,000',
    ) as XmlElement;
    expect(attr(tick, 'x') - left).toBeCloseTo(1000 * perMs, 0);
    // Totals after each bar, marks at their values.
    expect(select(svg, 'text', 'total').map(textOf)).toEqual(['328 ms', '495 ms', '1,630 ms']);
    const marks = select(svg, 'g', 'mark');
    expect(marks.map((m) => m.attrs['data-mark'])).toEqual([
      'client mean TTFT',
      'client mean E2EL',
      'client mean TTFT',
      'client mean E2EL',
      'client mean TTFT',
    ]);
    const ttft16 = marks[4] as XmlElement;
    expect(attr(select(ttft16, 'line')[0] as XmlElement, 'x1') - left).toBeCloseTo(1030 * perMs, 0);
  });

  it('writes a segment’s share inside it only when the text fits, and every value in its tooltip', () => {
    const svg = parseXml(stackedBarChart(phases()));
    const [first] = bars(svg) as [XmlElement];
    // 0.4 ms of 328 ms is a sliver: no text in it; decode's 94 % is written.
    expect(select(first, 'text', 'share').map(textOf)).toEqual(['94%']);
    const tips = segments(first).map((s) => textOf(select(s, 'title')[0] as XmlElement));
    expect(tips[0]).toBe('2 offered req/s: queue 0.4 ms (0.1%)');
    // Text contrasts with its segment: dark on orange, white on blue.
    expect(textOn('#E69F00')).toBe('#222');
    expect(textOn(palette[0])).toBe('#ffffff');
    for (const share of select(svg, 'text', 'share')) expect(share.attrs.fill).toMatch(/^#(222|ffffff)$/);
  });

  it('escapes every text: title, labels, segment and mark names, missing reasons', () => {
    const nasty = 'a <b> & "c" \'d\'';
    const source = stackedBarChart({
      ...phases(),
      title: nasty,
      valueLabel: nasty,
      segments: [{ name: nasty }],
      marks: [{ name: nasty }],
      bars: [
        { label: nasty, values: [10], marks: [12] },
        { label: `${nasty} 2`, values: [], missing: `not available: ${nasty}` },
      ],
    });
    const svg = parseXml(source);
    expect(source).not.toContain('<b>');
    expect(select(svg, 'title')[0]?.text).toBe(nasty);
    expect(textOf(select(svg, 'text', 'title')[0] as XmlElement)).toBe(nasty);
    expect(textOf(select(svg, 'text', 'axis-label')[0] as XmlElement)).toBe(nasty);
    expect(textOf(select(svg, 'text', 'bar-label')[0] as XmlElement)).toBe(nasty);
    expect(bars(svg).map((b) => b.attrs['data-label'])).toEqual([nasty, `${nasty} 2`]);
    expect(textOf(select(svg, 'text', 'missing')[0] as XmlElement)).toBe(`not available: ${nasty}`);
    expect(select(svg, 'g', 'mark')[0]?.attrs['data-mark']).toBe(nasty);
  });

  it('shows a bar without data as its reason, never as a zero-length bar', () => {
    const svg = parseXml(
      stackedBarChart({
        ...phases(),
        bars: [
          { label: 'a', values: [1, 2, 3] },
          { label: 'llama', values: [], missing: 'not available: llama.cpp does not time requests by phase' },
        ],
      }),
    );
    const [, llama] = bars(svg) as [XmlElement, XmlElement];
    expect(segments(llama)).toHaveLength(0);
    expect(textOf(select(llama, 'text', 'missing')[0] as XmlElement)).toMatch(/^not available: llama\.cpp/);
    const none = parseXml(
      stackedBarChart({ ...phases(), bars: [{ label: 'x', values: [], missing: 'n/a' }] }),
    );
    expect(select(none, 'text', 'no-data')).toHaveLength(1);
  });

  it('keeps long labels within a third of the width, whole in a tooltip', () => {
    const long = 'a very long test name that would push the bars off the chart if it were drawn whole';
    const svg = parseXml(stackedBarChart({ ...phases(), bars: [{ label: long, values: [5, 5, 5] }] }));
    const label = select(svg, 'text', 'bar-label')[0] as XmlElement;
    expect(textOf(label).endsWith('…')).toBe(true);
    expect(select(label, 'title')[0]?.text).toBe(long);
    expect(attr(xAxisLine(svg), 'x1')).toBeLessThanOrEqual(720 / 3 + 12 + 10);
  });
});

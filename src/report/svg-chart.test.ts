import { describe, expect, it } from 'vitest';
import { parseXml, select, textOf, type XmlElement } from '../../test/helpers/report/parse-xml.ts';
import { type ChartSeries, type LineChartOptions, lineChart, palette } from './svg-chart.ts';

const offered = [2, 5, 10, 15, 20, 30, 40, 60];
const throughput = [1.99, 4.97, 9.91, 13.12, 13.68, 13.7, 13.71, 13.69];
const ttft = [62.4, 71.3, 87.2, 312.9, 2405.1, 4811.6, 6104.3, 6912.4];

/** The classic saturation chart: served req/s on the left, p99 TTFT (log) on the right. */
const saturation = (): LineChartOptions => ({
  title: 'saturation: throughput and p99 TTFT vs offered rate',
  xLabel: 'offered rate (req/s)',
  yLabel: 'throughput (req/s)',
  series: [
    { name: 'offered', reference: true, points: offered.map((x) => ({ x, y: x })) },
    { name: 'request throughput', points: offered.map((x, i) => ({ x, y: throughput[i] as number })) },
    {
      name: 'p99 TTFT',
      axis: 'right',
      points: offered.map((x, i) => {
        const y = ttft[i] as number;
        return { x, y, lo: y * 0.9, hi: y * 1.1 };
      }),
    },
  ],
  secondAxis: { label: 'p99 TTFT (ms)', log: true },
});

const render = (options: LineChartOptions) => parseXml(lineChart(options));
const attr = (e: XmlElement, name: string) => Number(e.attrs[name]);
const ticks = (svg: XmlElement, axisClass: string) =>
  select(svg, 'g', axisClass).flatMap((g) => select(g, 'text', 'tick').map(textOf));
const axisLabel = (svg: XmlElement, axisClass: string) =>
  textOf(select(select(svg, 'g', axisClass)[0] as XmlElement, 'text', 'axis-label')[0] as XmlElement);
const lines = (svg: XmlElement) => select(svg, 'path', 'line');
/** Data marker centres drawn as circles (the first data series' shape), legend left out. */
const circles = (svg: XmlElement) =>
  select(svg, 'g', 'series')
    .flatMap((g) => select(g, 'circle', 'marker'))
    .map((c) => [attr(c, 'cx'), attr(c, 'cy')]);

/** Bounds of the plot area, read from the axis lines. */
function plotBox(svg: XmlElement) {
  const xAxis = select(select(svg, 'g', 'x-axis')[0] as XmlElement, 'line')[0] as XmlElement;
  const yAxis = select(select(svg, 'g', 'left')[0] as XmlElement, 'line')[0] as XmlElement;
  return {
    left: attr(xAxis, 'x1'),
    right: attr(xAxis, 'x2'),
    top: attr(yAxis, 'y1'),
    bottom: attr(yAxis, 'y2'),
  };
}

describe('lineChart', () => {
  it('is a well-formed standalone SVG of about 720x360 on white, in system-ui', () => {
    const source = lineChart(saturation());
    const svg = parseXml(source);
    expect(svg.name).toBe('svg');
    expect(svg.attrs).toMatchObject({ xmlns: 'http://www.w3.org/2000/svg', width: '720', height: '360' });
    expect(svg.attrs['font-family']).toMatch(/^system-ui/);
    expect(select(svg, 'rect', 'background')[0]?.attrs.fill).toBe('#ffffff');
    expect(textOf(select(svg, 'text', 'title')[0] as XmlElement)).toBe(saturation().title);
    expect(source).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('draws one line per series, labelled axes and a legend naming every series', () => {
    const svg = render(saturation());
    expect(lines(svg)).toHaveLength(3);
    expect(select(svg, 'g', 'series').map((g) => g.attrs['data-name'])).toEqual([
      'offered',
      'request throughput',
      'p99 TTFT',
    ]);
    expect(axisLabel(svg, 'x-axis')).toBe('offered rate (req/s)');
    expect(axisLabel(svg, 'left')).toBe('throughput (req/s)');
    expect(axisLabel(svg, 'right')).toBe('p99 TTFT (ms) (log scale)');
    const legend = select(select(svg, 'g', 'legend')[0] as XmlElement, 'text').map(textOf);
    expect(legend).toEqual(['offered', 'request throughput', 'p99 TTFT (right axis)']);
  });

  it('puts ticks on 1-2-5 steps enclosing the data, and 1-2-5 per decade on the log axis', () => {
    const svg = render(saturation());
    // The "offered" guide does not stretch the axis: 13.71 req/s gets 0..14, not 0..60.
    expect(ticks(svg, 'left')).toEqual(['0', '2', '4', '6', '8', '10', '12', '14']);
    const x = ticks(svg, 'x-axis').map(Number);
    expect(x[0]).toBeLessThanOrEqual(2);
    expect(x.at(-1)).toBeGreaterThanOrEqual(60);
    const step = (x[1] as number) - (x[0] as number);
    expect([1, 2, 5, 10, 20]).toContain(step);
    expect(ticks(svg, 'right')).toEqual(['50', '100', '200', '500', '1k', '2k', '5k', '10k']);
  });

  it('maps data to pixels inside the plot, larger values higher up', () => {
    const svg = render(saturation());
    const box = plotBox(svg);
    const points = circles(svg); // the request-throughput series
    expect(points).toHaveLength(offered.length);
    for (const [cx, cy] of points as Array<[number, number]>) {
      expect(cx).toBeGreaterThanOrEqual(box.left);
      expect(cx).toBeLessThanOrEqual(box.right);
      expect(cy).toBeGreaterThanOrEqual(box.top);
      expect(cy).toBeLessThanOrEqual(box.bottom);
    }
    const cys = points.map(([, cy]) => cy as number);
    // Throughput rises from 1.99 to 9.91 req/s over the first three points.
    expect(cys[0]).toBeGreaterThan(cys[1] as number);
    expect(cys[1]).toBeGreaterThan(cys[2] as number);
  });

  it('draws error bars from lo/hi, one bar per point that has both', () => {
    const options = saturation();
    const svg = render(options);
    const bars = select(svg, 'path', 'error-bars');
    expect(bars).toHaveLength(1);
    // Each bar is a vertical stroke plus two caps: three moves.
    expect(bars[0]?.attrs.d?.match(/M/g)).toHaveLength(3 * offered.length);
  });

  it('gives the two axes the colours of their single series, and series distinct colours', () => {
    const svg = render(saturation());
    const series = select(svg, 'g', 'series').slice(1);
    const colours = series.map((g) => lines(g)[0]?.attrs.stroke);
    expect(new Set(colours).size).toBe(2);
    expect(colours.every((c) => (palette as readonly string[]).includes(c as string))).toBe(true);
    const rightLabel = select(select(svg, 'g', 'right')[0] as XmlElement, 'text', 'axis-label')[0];
    expect(rightLabel?.attrs.fill).toBe(colours[1]);
  });

  it('escapes <, &, and quotes in every text it writes', () => {
    const source = lineChart({
      title: 'p99 <TTFT> & "tail" \'quoted\'',
      xLabel: 'rate <req/s> & more',
      yLabel: 'y & <z>',
      series: [{ name: 'a<b>&c"', points: [{ x: 1, y: 2 }] }],
    });
    const svg = parseXml(source); // throws on a raw < or & anywhere
    expect(textOf(select(svg, 'text', 'title')[0] as XmlElement)).toBe('p99 <TTFT> & "tail" \'quoted\'');
    expect(axisLabel(svg, 'x-axis')).toBe('rate <req/s> & more');
    expect(select(svg, 'g', 'series')[0]?.attrs['data-name']).toBe('a<b>&c"');
    expect(source).toContain('a&lt;b&gt;&amp;c&quot;');
  });

  it('renders a single point: marker, no line segment, a padded axis', () => {
    const source = lineChart({
      title: 'one',
      xLabel: 'GPUs',
      yLabel: 'req/s',
      series: [{ name: 'a', points: [{ x: 1, y: 13.7 }] }],
    });
    expect(source).not.toMatch(/NaN|Infinity/);
    const svg = parseXml(source);
    expect(circles(svg)).toHaveLength(1);
    expect(lines(svg)[0]?.attrs.d).toMatch(/^M[\d.]+ [\d.]+$/);
    expect(ticks(svg, 'x-axis')).toEqual(['0', '1', '2']);
  });

  it('handles all-equal values, zero and negatives on a linear axis', () => {
    const equal = render({
      title: 'flat',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a', points: [5, 6, 7].map((x) => ({ x, y: 5 })) }],
    });
    expect(ticks(equal, 'left')[0]).toBe('0');
    expect(new Set(circles(equal).map(([, cy]) => cy)).size).toBe(1);

    const negative = render({
      title: 'delta',
      xLabel: 'x',
      yLabel: 'change',
      series: [{ name: 'a', points: [-2, 0, 3].map((y, i) => ({ x: i, y })) }],
    });
    const labels = ticks(negative, 'left').map(Number);
    expect(labels[0]).toBeLessThanOrEqual(-2);
    expect(labels).toContain(0);
    expect(labels.at(-1)).toBeGreaterThanOrEqual(3);
  });

  it('skips NaN points and breaks the line there instead of bridging the gap', () => {
    const svg = render({
      title: 'gap',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a', points: [1, Number.NaN, 3, 4].map((y, i) => ({ x: i, y })) }],
    });
    expect(circles(svg)).toHaveLength(3);
    expect(lines(svg)[0]?.attrs.d?.match(/M/g)).toHaveLength(2);
  });

  it('connects points in x order whatever their input order', () => {
    const svg = render({
      title: 'order',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ name: 'a', points: [3, 1, 2].map((x) => ({ x, y: x })) }],
    });
    const xs = [...(lines(svg)[0]?.attrs.d ?? '').matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
    expect(xs).toEqual(xs.toSorted((a, b) => a - b));
  });

  it('uses powers of ten on a wide log axis and leaves out values <= 0', () => {
    const svg = render({
      title: 'log',
      xLabel: 'concurrency',
      yLabel: 'p99 TTFT (ms)',
      yLog: true,
      series: [{ name: 'a', points: [0, 0.5, 12, 540, 98_000].map((y, i) => ({ x: 2 ** i, y })) }],
    });
    expect(ticks(svg, 'left')).toEqual(['0.1', '1', '10', '100', '1k', '10k', '100k']);
    expect(axisLabel(svg, 'left')).toBe('p99 TTFT (ms) (log scale)');
    expect(circles(svg)).toHaveLength(4);
  });

  it('falls back to a linear axis when a log axis has nothing positive, and says "no data" when empty', () => {
    const svg = render({
      title: 'empty',
      xLabel: 'x',
      yLabel: 'y',
      yLog: true,
      series: [{ name: 'a', points: [{ x: 1, y: Number.NaN }] }],
    });
    expect(select(svg, 'text', 'no-data')).toHaveLength(1);
    expect(axisLabel(svg, 'left')).toBe('y');
    expect(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain('no data');
  });

  it('wraps a long legend onto more rows and shortens a title too long for the width', () => {
    const series: ChartSeries[] = Array.from({ length: 9 }, (_, i) => ({
      name: `series number ${i}`,
      points: [{ x: 0, y: i }],
    }));
    const svg = render({ title: 'long '.repeat(60), xLabel: 'x', yLabel: 'y', series });
    const rows = new Set(select(select(svg, 'g', 'legend')[0] as XmlElement, 'text').map((t) => t.attrs.y));
    expect(rows.size).toBeGreaterThan(1);
    expect(textOf(select(svg, 'text', 'title')[0] as XmlElement)).toMatch(/…$/);
    // The plot starts below the last legend row.
    const lastRow = Math.max(...[...rows].map(Number));
    expect(plotBox(svg).top).toBeGreaterThan(lastRow);
  });

  it('refuses a right-axis series without a second axis', () => {
    expect(() =>
      lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', axis: 'right', points: [] }] }),
    ).toThrow(/secondAxis/);
  });

  it('puts a mark label left of its line where it would run past the plot, else right of it', () => {
    const svg = render({
      ...saturation(),
      xMarks: [
        { x: 2, label: 'knee 2 req/s' },
        { x: 60, label: 'elbow 60 req/s' },
      ],
    });
    const marks = select(svg, 'g', 'x-mark').map((g) => {
      const line = select(g, 'line')[0] as XmlElement;
      const text = select(g, 'text')[0] as XmlElement;
      return { line: attr(line, 'x1'), text: attr(text, 'x'), anchor: text.attrs['text-anchor'] ?? 'start' };
    });
    expect(marks[0]).toMatchObject({ anchor: 'start' });
    expect(marks[0]?.text).toBeGreaterThan(marks[0]?.line ?? Number.NaN);
    expect(marks[1]).toMatchObject({ anchor: 'end' });
    expect(marks[1]?.text).toBeLessThan(marks[1]?.line ?? Number.NaN);
  });
});

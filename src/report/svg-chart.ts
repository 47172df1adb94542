import { escapeXml } from './escape.ts';
import { makeScale, type Scale, showable } from './scale.ts';
import { ellipsize, textWidth } from './text-width.ts';

export interface ChartPoint {
  x: number;
  y: number;
  /** Error bar ends (e.g. a 95% CI); drawn when both are finite. */
  lo?: number;
  hi?: number;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  /** `right` plots against `secondAxis` (another unit). Default `left`. */
  axis?: 'left' | 'right';
  /** A guide rather than data (e.g. "offered = served"): dashed grey, no markers. */
  reference?: boolean;
  /** Markers only, no line through them (points that are not a curve, e.g. probes by verdict). */
  line?: false;
  /** Open markers: a point drawn but not counted (an unresolved or invalid probe). */
  hollow?: boolean;
}

/** A vertical line across the plot at `x` (a knee), labelled at its top. */
export interface XMark {
  x: number;
  label: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Log scale for the left axis; values <= 0 are then left out. */
  yLog?: boolean;
  /** A right-hand axis for series with `axis: 'right'`. */
  secondAxis?: { label: string; log?: boolean };
  /** A fixed left-axis domain (e.g. [0, 1] for a share), so charts of different runs compare. */
  yDomain?: [number, number];
  /** A shaded x interval behind the data (a bracket), labelled at its top. */
  xBand?: { from: number; to: number; label: string };
  xMarks?: readonly XMark[];
  /** Large grey text in the plot's corner, e.g. "SIMULATED", that survives a copied image. */
  watermark?: string;
  width?: number;
  height?: number;
}

/** Okabe-Ito: distinguishable with the common colour-vision deficiencies (yellow left out: unreadable on white). */
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;
const referenceColour = '#8a8a8a';
/** A second cue besides colour, so series stay apart in greyscale prints. */
const markers = ['circle', 'square', 'triangle', 'diamond'] as const;
type Marker = (typeof markers)[number];

export const FONT = 12;
export const TITLE_FONT = 15;
export const PAD = 12;
const LEGEND_ROW = 18;
export const FONT_FAMILY =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/** An SVG line chart (one or two y axes) as a standalone document string. Pure: no DOM, no fonts measured. */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const series = options.series.map((s, i) => styleOf(s, i, options.series));
  for (const s of series) {
    if (s.axis === 'right' && !options.secondAxis) {
      throw new Error(`lineChart: series "${s.name}" is on the right axis, but no secondAxis was given`);
    }
  }

  const legend = layoutLegend(series, width - 2 * PAD);
  const plotTop = PAD + TITLE_FONT + 10 + legend.rows * LEGEND_ROW + 10;
  const plotBottom = height - (PAD + 2 * FONT + 16);
  const yCount = Math.max(2, Math.min(8, Math.round((plotBottom - plotTop) / 45)));

  // Guides do not stretch the axes (an "offered" diagonal would flatten a plateau); they are clipped instead.
  const valuesOn = (axis: 'left' | 'right') => {
    const on = series.filter((s) => s.axis === axis);
    const data = on.some((s) => !s.reference) ? on.filter((s) => !s.reference) : on;
    return data.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  };
  const yLeft = makeScale([...valuesOn('left'), ...(options.yDomain ?? [])], plotBottom, plotTop, {
    log: options.yLog ?? false,
    includeZero: true,
    count: yCount,
  });
  const yRight = options.secondAxis
    ? makeScale(valuesOn('right'), plotBottom, plotTop, {
        log: options.secondAxis.log ?? false,
        includeZero: true,
        count: yCount,
      })
    : undefined;

  const labelWidth = (scale: Scale) =>
    Math.max(0, ...scale.ticks.values.map((v) => textWidth(scale.label(v), FONT)));
  const plotLeft = PAD + FONT + 10 + labelWidth(yLeft) + 8;
  const xs = [
    ...series.flatMap((s) => s.points.map((p) => p.x)),
    ...(options.xBand ? [options.xBand.from, options.xBand.to] : []),
    ...(options.xMarks ?? []).map((m) => m.x),
  ].filter(Number.isFinite);
  const integerX = xs.length > 0 && xs.every(Number.isInteger);
  const rightMargin = yRight ? PAD + FONT + 10 + labelWidth(yRight) + 8 : PAD + 8;
  let plotRight = width - rightMargin;
  let x = fitXScale(xs, plotLeft, plotRight, integerX);
  // The last x label is centred on the right edge: keep it inside the canvas.
  const overhang = textWidth(x.label(x.ticks.max), FONT) / 2 - (rightMargin - PAD);
  if (overhang > 0) {
    plotRight -= overhang;
    x = fitXScale(xs, plotLeft, plotRight, integerX);
  }

  const plot = { left: plotLeft, right: plotRight, top: plotTop, bottom: plotBottom };
  // Unique per chart, so several charts inlined in one HTML page do not share a clip path.
  const clipId = `plot-${hash(JSON.stringify([options.title, plot]))}`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}" font-size="${FONT}" role="img">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<defs><clipPath id="${clipId}"><rect x="${n(plot.left)}" y="${n(plot.top)}" width="${n(plot.right - plot.left)}" height="${n(plot.bottom - plot.top)}"/></clipPath></defs>`,
    `<text class="title" x="${n(width / 2)}" y="${PAD + TITLE_FONT}" text-anchor="middle" font-size="${TITLE_FONT}" font-weight="600" fill="#222">${escapeXml(ellipsize(options.title, width - 2 * PAD, TITLE_FONT, true))}</text>`,
    renderLegend(series, legend, width, PAD + TITLE_FONT + 10),
    renderGrid(x, yLeft, plot),
    ...(options.xBand ? [renderBand(options.xBand, x, plot)] : []),
    ...(options.xMarks ?? []).map((m) => renderXMark(m, x, plot)),
    // Behind the data, centred and faint: readable on any copy of the image, never hiding a point.
    ...(options.watermark
      ? [
          `<text class="watermark" x="${n((plot.left + plot.right) / 2)}" y="${n((plot.top + plot.bottom) / 2 + 14)}" text-anchor="middle" font-size="40" font-weight="700" letter-spacing="6" fill="#000000" fill-opacity="0.07">${escapeXml(options.watermark)}</text>`,
        ]
      : []),
    renderXAxis(x, options.xLabel, plot, height),
    renderYAxis(yLeft, options.yLabel, plot, 'left', axisColour(series, 'left', yRight !== undefined)),
  ];
  if (yRight && options.secondAxis) {
    out.push(
      renderYAxis(yRight, options.secondAxis.label, plot, 'right', axisColour(series, 'right', true), width),
    );
  }
  let drawn = 0;
  for (const s of series) {
    const scale = s.axis === 'right' && yRight ? yRight : yLeft;
    const body = renderSeries(s, x, scale, clipId);
    drawn += body.points;
    out.push(body.svg);
  }
  if (drawn === 0) {
    out.push(
      `<text class="no-data" x="${n((plot.left + plot.right) / 2)}" y="${n((plot.top + plot.bottom) / 2)}" text-anchor="middle" fill="#666">no data</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

interface StyledSeries extends ChartSeries {
  axis: 'left' | 'right';
  colour: string;
  marker: Marker | null;
  legendLabel: string;
}

function styleOf(s: ChartSeries, index: number, all: readonly ChartSeries[]): StyledSeries {
  const dataIndex = all.slice(0, index).filter((o) => !o.reference).length;
  const axis = s.axis ?? 'left';
  const twoAxes = all.some((o) => o.axis === 'right');
  return {
    ...s,
    axis,
    colour: s.reference ? referenceColour : (palette[dataIndex % palette.length] as string),
    marker: s.reference ? null : (markers[dataIndex % markers.length] as Marker),
    legendLabel: twoAxes && axis === 'right' ? `${s.name} (right axis)` : s.name,
  };
}

/** With two axes, an axis that carries exactly one data series takes its colour, tying line to scale. */
function axisColour(series: readonly StyledSeries[], axis: 'left' | 'right', twoAxes: boolean): string {
  const on = series.filter((s) => s.axis === axis && !s.reference);
  return twoAxes && on.length === 1 ? (on[0] as StyledSeries).colour : '#222';
}

function fitXScale(xs: readonly number[], left: number, right: number, integer: boolean): Scale {
  // Fewer ticks until the widest label fits its interval with room to spare.
  for (let count = 10; ; count--) {
    const scale = makeScale(xs, left, right, { integer, count });
    const widest = Math.max(0, ...scale.ticks.values.map((v) => textWidth(scale.label(v), FONT)));
    const intervals = Math.max(1, scale.ticks.values.length - 1);
    if (count <= 2 || (right - left) / intervals >= widest + 16) return scale;
  }
}

interface LegendLayout {
  rows: number;
  /** Per series: row and x offset from the row start; and each row's width, for centring. */
  items: Array<{ row: number; dx: number }>;
  rowWidths: number[];
}

const LEGEND_SAMPLE = 22;
const LEGEND_GAP = 18;

function layoutLegend(series: readonly StyledSeries[], available: number): LegendLayout {
  const items: LegendLayout['items'] = [];
  const rowWidths: number[] = [0];
  for (const s of series) {
    const w = LEGEND_SAMPLE + 6 + textWidth(s.legendLabel, FONT);
    let row = rowWidths.length - 1;
    const current = rowWidths[row] as number;
    if (current > 0 && current + LEGEND_GAP + w > available) {
      rowWidths.push(0);
      row++;
    }
    const start = (rowWidths[row] as number) === 0 ? 0 : (rowWidths[row] as number) + LEGEND_GAP;
    items.push({ row, dx: start });
    rowWidths[row] = start + w;
  }
  return { rows: series.length === 0 ? 0 : rowWidths.length, items, rowWidths };
}

function renderLegend(
  series: readonly StyledSeries[],
  layout: LegendLayout,
  width: number,
  top: number,
): string {
  const out = ['<g class="legend">'];
  series.forEach((s, i) => {
    const item = layout.items[i] as { row: number; dx: number };
    const x0 = (width - (layout.rowWidths[item.row] as number)) / 2 + item.dx;
    const cy = top + item.row * LEGEND_ROW + LEGEND_ROW / 2;
    out.push(`<g class="legend-item">`);
    if (s.line !== false)
      out.push(
        `<line x1="${n(x0)}" y1="${n(cy)}" x2="${n(x0 + LEGEND_SAMPLE)}" y2="${n(cy)}" ${strokeOf(s)}/>`,
      );
    if (s.marker) out.push(marker(s.marker, x0 + LEGEND_SAMPLE / 2, cy, s.colour, undefined, s.hollow));
    out.push(
      `<text x="${n(x0 + LEGEND_SAMPLE + 6)}" y="${n(cy + FONT * 0.35)}" fill="#222">${escapeXml(s.legendLabel)}</text>`,
      '</g>',
    );
  });
  out.push('</g>');
  return out.join('\n');
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function renderGrid(x: Scale, y: Scale, plot: Plot): string {
  const out = ['<g class="grid" stroke="#e6e6e6" stroke-width="1">'];
  for (const v of y.ticks.values) {
    const py = y.px(v);
    out.push(`<line x1="${n(plot.left)}" y1="${n(py)}" x2="${n(plot.right)}" y2="${n(py)}"/>`);
  }
  for (const v of x.ticks.values) {
    const px = x.px(v);
    out.push(`<line x1="${n(px)}" y1="${n(plot.top)}" x2="${n(px)}" y2="${n(plot.bottom)}"/>`);
  }
  out.push('</g>');
  return out.join('\n');
}

function renderXAxis(x: Scale, label: string, plot: Plot, height: number): string {
  const out = [
    '<g class="axis x-axis" fill="#333">',
    `<line x1="${n(plot.left)}" y1="${n(plot.bottom)}" x2="${n(plot.right)}" y2="${n(plot.bottom)}" stroke="#333"/>`,
  ];
  for (const v of x.ticks.values) {
    const px = x.px(v);
    out.push(
      `<line x1="${n(px)}" y1="${n(plot.bottom)}" x2="${n(px)}" y2="${n(plot.bottom + 5)}" stroke="#333"/>`,
      `<text class="tick" x="${n(px)}" y="${n(plot.bottom + 8 + FONT)}" text-anchor="middle">${escapeXml(x.label(v))}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${n((plot.left + plot.right) / 2)}" y="${n(height - PAD)}" text-anchor="middle" font-weight="600">${escapeXml(ellipsize(label, plot.right - plot.left, FONT, true))}</text>`,
    '</g>',
  );
  return out.join('\n');
}

function renderYAxis(
  y: Scale,
  label: string,
  plot: Plot,
  side: 'left' | 'right',
  colour: string,
  width = 0,
): string {
  const edge = side === 'left' ? plot.left : plot.right;
  const dir = side === 'left' ? -1 : 1;
  const out = [
    `<g class="axis y-axis ${side}" fill="#333">`,
    `<line x1="${n(edge)}" y1="${n(plot.top)}" x2="${n(edge)}" y2="${n(plot.bottom)}" stroke="#333"/>`,
  ];
  for (const v of y.ticks.values) {
    const py = y.px(v);
    out.push(
      `<line x1="${n(edge)}" y1="${n(py)}" x2="${n(edge + dir * 5)}" y2="${n(py)}" stroke="#333"/>`,
      `<text class="tick" x="${n(edge + dir * 8)}" y="${n(py + FONT * 0.35)}" text-anchor="${side === 'left' ? 'end' : 'start'}">${escapeXml(y.label(v))}</text>`,
    );
  }
  // Rotated so it reads bottom to top; the baseline sits on the canvas side, glyphs grow towards the plot.
  const lx = side === 'left' ? PAD + FONT : width - PAD;
  const ly = (plot.top + plot.bottom) / 2;
  const text = escapeXml(
    ellipsize(label + (y.log ? ' (log scale)' : ''), plot.bottom - plot.top, FONT, true),
  );
  out.push(
    `<text class="axis-label" x="${n(lx)}" y="${n(ly)}" transform="rotate(-90 ${n(lx)} ${n(ly)})" text-anchor="middle" font-weight="600" fill="${colour}">${text}</text>`,
    '</g>',
  );
  return out.join('\n');
}

function renderBand(band: NonNullable<LineChartOptions['xBand']>, x: Scale, plot: Plot): string {
  const from = Math.max(plot.left, x.px(Math.min(band.from, band.to)));
  const to = Math.min(plot.right, x.px(Math.max(band.from, band.to)));
  return [
    '<g class="band">',
    `<rect x="${n(from)}" y="${n(plot.top)}" width="${n(Math.max(1, to - from))}" height="${n(plot.bottom - plot.top)}" fill="#009E73" fill-opacity="0.12"/>`,
    `<text x="${n((from + to) / 2)}" y="${n(plot.bottom - 6)}" text-anchor="middle" fill="#1b6b50" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(band.label)}</text>`,
    '</g>',
  ].join('\n');
}

function renderXMark(mark: XMark, x: Scale, plot: Plot): string {
  const px = x.px(mark.x);
  if (!Number.isFinite(px)) return '';
  return [
    '<g class="x-mark">',
    `<line x1="${n(px)}" y1="${n(plot.top)}" x2="${n(px)}" y2="${n(plot.bottom)}" stroke="#555" stroke-width="1.2" stroke-dasharray="3 3"/>`,
    // The label goes right of the line, or left of it where it would run past the plot.
    px + 4 + textWidth(mark.label, FONT) > plot.right
      ? `<text x="${n(px - 4)}" y="${n(plot.bottom - 8 - 2 * FONT)}" text-anchor="end" fill="#444" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(mark.label)}</text>`
      : `<text x="${n(px + 4)}" y="${n(plot.bottom - 8 - 2 * FONT)}" fill="#444" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeXml(mark.label)}</text>`,
    '</g>',
  ].join('\n');
}

function renderSeries(s: StyledSeries, x: Scale, y: Scale, clipId: string): { svg: string; points: number } {
  const placed = s.points
    .filter((p) => Number.isFinite(p.x))
    .toSorted((a, b) => a.x - b.x)
    .map((p) => ({ p, px: x.px(p.x), py: y.px(p.y) }));
  // A point that cannot be shown (NaN, or <= 0 on a log axis) breaks the line instead of being bridged.
  let d = '';
  let penDown = false;
  for (const { px, py } of placed) {
    if (!Number.isFinite(py)) {
      penDown = false;
      continue;
    }
    d += `${penDown ? 'L' : 'M'}${n(px)} ${n(py)}`;
    penDown = true;
  }
  const shown = placed.filter((q) => Number.isFinite(q.py));
  const out = [`<g class="series" data-name="${escapeXml(s.name)}" data-axis="${s.axis}">`];
  if (s.line !== false) {
    out.push(
      `<path class="line" d="${d}" fill="none" ${strokeOf(s)} stroke-linejoin="round" stroke-linecap="round"${s.reference ? ` clip-path="url(#${clipId})"` : ''}/>`,
    );
  }
  const bars = shown.flatMap(({ p, px }) => {
    if (p.lo === undefined || p.hi === undefined || !Number.isFinite(p.lo) || !Number.isFinite(p.hi))
      return [];
    // On a log axis a lower end <= 0 is drawn to the bottom of the plot.
    const lo = showable(p.lo, y.log) ? y.px(p.lo) : y.px(y.ticks.min);
    const hi = showable(p.hi, y.log) ? y.px(p.hi) : y.px(y.ticks.min);
    return [`M${n(px)} ${n(lo)}V${n(hi)}M${n(px - 4)} ${n(lo)}h8M${n(px - 4)} ${n(hi)}h8`];
  });
  if (bars.length > 0) {
    out.push(
      `<path class="error-bars" d="${bars.join('')}" fill="none" stroke="${s.colour}" stroke-width="1.3" stroke-opacity="0.85"/>`,
    );
  }
  if (s.marker) {
    for (const { p, px, py } of shown) {
      const tooltip = `${s.name}: ${formatPlain(p.y)} at ${formatPlain(p.x)}`;
      out.push(marker(s.marker, px, py, s.colour, tooltip, s.hollow));
    }
  }
  out.push('</g>');
  return { svg: out.join('\n'), points: shown.length };
}

function strokeOf(s: StyledSeries): string {
  return s.reference
    ? `stroke="${s.colour}" stroke-width="1.5" stroke-dasharray="6 4"`
    : `stroke="${s.colour}" stroke-width="2.2"`;
}

function marker(
  shape: Marker,
  cx: number,
  cy: number,
  colour: string,
  tooltip?: string,
  hollow = false,
): string {
  const [tag, geometry] = markerGeometry(shape, cx, cy);
  const close = tooltip === undefined ? '/>' : `><title>${escapeXml(tooltip)}</title></${tag}>`;
  const paint = hollow
    ? `fill="#ffffff" stroke="${colour}" stroke-width="1.8"`
    : `fill="${colour}" stroke="#ffffff" stroke-width="1"`;
  return `<${tag} class="marker" ${geometry} ${paint}${close}`;
}

function markerGeometry(shape: Marker, cx: number, cy: number): [string, string] {
  switch (shape) {
    case 'circle':
      return ['circle', `cx="${n(cx)}" cy="${n(cy)}" r="4"`];
    case 'square':
      return ['rect', `x="${n(cx - 3.6)}" y="${n(cy - 3.6)}" width="7.2" height="7.2"`];
    case 'triangle':
      return ['polygon', `points="${pts([cx, cy - 4.8], [cx + 4.6, cy + 3.4], [cx - 4.6, cy + 3.4])}"`];
    case 'diamond':
      return ['polygon', `points="${pts([cx, cy - 5], [cx + 5, cy], [cx, cy + 5], [cx - 5, cy])}"`];
  }
}

const pts = (...points: Array<[number, number]>) => points.map(([a, b]) => `${n(a)},${n(b)}`).join(' ');

/** FNV-1a, hex: a short stable id. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** Pixel coordinates to 0.1 px: smaller files, no visible difference. */
const n = (v: number) => String(Math.round(v * 10) / 10);

const formatPlain = (v: number) => String(Number.parseFloat(v.toPrecision(6)));

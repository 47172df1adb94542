import { escapeXml } from './escape.ts';
import { fixed } from './format.ts';
import { makeScale, type Scale } from './scale.ts';
import { FONT, FONT_FAMILY, PAD, palette, TITLE_FONT } from './svg-chart.ts';
import { ellipsize, textWidth } from './text-width.ts';

/** One kind of segment, stacked in the order given (e.g. queue, prefill, decode). */
export interface BarSegment {
  name: string;
  /** Default: the line charts' palette in order. */
  colour?: string;
}

/** A reference value drawn across every bar that has one (e.g. the client's mean TTFT). */
export interface BarMark {
  name: string;
}

export interface StackedBar {
  label: string;
  /** One value per segment, in `segments` order; a non-finite or negative value draws nothing. */
  values: readonly number[];
  /** One value per mark, in `marks` order; non-finite: no mark on this bar. */
  marks?: readonly number[];
  /** Instead of a bar: why there is none (e.g. "not available: llama.cpp has no phase times"). */
  missing?: string;
}

export interface StackedBarChartOptions {
  title: string;
  /** The value axis' label, with its unit: "mean time per request (ms)". */
  valueLabel: string;
  /** Unit in tooltips and bar totals: "ms". */
  unit: string;
  segments: readonly BarSegment[];
  marks?: readonly BarMark[];
  /** One per row, top to bottom. */
  bars: readonly StackedBar[];
  /** Large grey text behind the bars, e.g. "SIMULATED". */
  watermark?: string;
  width?: number;
}

const BAR = 22;
const ROW = 36;
const SWATCH = 12;
const MARK_SAMPLE = 14;
const LEGEND_ROW = 18;
const LEGEND_GAP = 18;
/** A segment gets its share written inside only when the text fits with this margin either side. */
const INSIDE_MARGIN = 4;
const markDashes = ['', '4 2', '1.5 2'] as const;

/**
 * A horizontal stacked bar chart (one bar per row, segments left to right) as a standalone SVG
 * document string, in the look of `lineChart`: same fonts, palette, title and legend placement.
 * Each segment shows its share of the bar inside it when the text fits and its value in a tooltip;
 * the bar's total is written after it. The value axis starts at 0: stacked lengths are only honest
 * on a linear axis. Height follows the number of bars.
 */
export function stackedBarChart(options: StackedBarChartOptions): string {
  const width = options.width ?? 720;
  const segments = options.segments.map((s, i) => ({
    name: s.name,
    colour: s.colour ?? (palette[i % palette.length] as string),
  }));
  const marks = options.marks ?? [];

  const legendItems = [
    ...segments.map((s) => ({ kind: 'segment' as const, name: s.name, colour: s.colour, index: 0 })),
    // A mark no bar has (e.g. a client mean the summary lacks) stays out of the legend.
    ...marks
      .map((m, i) => ({ kind: 'mark' as const, name: m.name, colour: '#222', index: i }))
      .filter(({ index }) =>
        options.bars.some((b) => b.missing === undefined && Number.isFinite(b.marks?.[index] ?? Number.NaN)),
      ),
  ];
  const legend = layoutLegend(
    legendItems.map(
      (item) => (item.kind === 'segment' ? SWATCH : MARK_SAMPLE) + 6 + textWidth(item.name, FONT),
    ),
    width - 2 * PAD,
  );
  const plotTop = PAD + TITLE_FONT + 10 + legend.rows * LEGEND_ROW + 12;
  const plotBottom = plotTop + Math.max(1, options.bars.length) * ROW;
  const height = Math.round(plotBottom + 2 * FONT + 16 + PAD);

  const totals = options.bars.map((b) => (b.missing === undefined ? sum(b.values) : Number.NaN));
  const totalLabels = totals.map((t) =>
    Number.isFinite(t) ? `${fixed(t, t >= 100 ? 0 : 1)} ${options.unit}` : '',
  );
  const values = [
    ...totals.filter(Number.isFinite),
    ...options.bars.flatMap((b) => (b.missing === undefined ? (b.marks ?? []) : [])),
  ].filter((v) => Number.isFinite(v) && v >= 0);

  // Row labels on the left, at most a third of the width; totals need room after the longest bar.
  const labelRoom = Math.min(width / 3, Math.max(0, ...options.bars.map((b) => textWidth(b.label, FONT))));
  const plotLeft = PAD + labelRoom + 10;
  const totalRoom = Math.max(0, ...totalLabels.map((t) => textWidth(t, FONT)));
  const plotRight = width - PAD - totalRoom - 8;
  const x = fitScale(values, plotLeft, plotRight);

  const plot = { left: plotLeft, right: plotRight, top: plotTop, bottom: plotBottom };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}" font-size="${FONT}" role="img">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${n(width / 2)}" y="${PAD + TITLE_FONT}" text-anchor="middle" font-size="${TITLE_FONT}" font-weight="600" fill="#222">${escapeXml(ellipsize(options.title, width - 2 * PAD, TITLE_FONT, true))}</text>`,
  ];

  // Legend: centred rows below the title, as in the line charts.
  out.push('<g class="legend">');
  legendItems.forEach((item, i) => {
    const place = legend.items[i] as { row: number; dx: number };
    const x0 = (width - (legend.rowWidths[place.row] as number)) / 2 + place.dx;
    const cy = PAD + TITLE_FONT + 10 + place.row * LEGEND_ROW + LEGEND_ROW / 2;
    out.push('<g class="legend-item">');
    if (item.kind === 'segment') {
      out.push(
        `<rect x="${n(x0)}" y="${n(cy - SWATCH / 2)}" width="${SWATCH}" height="${SWATCH}" fill="${item.colour}"/>`,
      );
    } else {
      out.push(markLine(item.index, x0 + MARK_SAMPLE / 2, cy - 7, cy + 7));
    }
    const tx = x0 + (item.kind === 'segment' ? SWATCH : MARK_SAMPLE) + 6;
    out.push(
      `<text x="${n(tx)}" y="${n(cy + FONT * 0.35)}" fill="#222">${escapeXml(item.name)}</text>`,
      '</g>',
    );
  });
  out.push('</g>');

  // Grid and value axis.
  out.push('<g class="grid" stroke="#e6e6e6" stroke-width="1">');
  for (const v of x.ticks.values) {
    out.push(`<line x1="${n(x.px(v))}" y1="${n(plot.top)}" x2="${n(x.px(v))}" y2="${n(plot.bottom)}"/>`);
  }
  out.push('</g>');
  out.push(
    '<g class="axis x-axis" fill="#333">',
    `<line x1="${n(plot.left)}" y1="${n(plot.bottom)}" x2="${n(plot.right)}" y2="${n(plot.bottom)}" stroke="#333"/>`,
  );
  for (const v of x.ticks.values) {
    const px = x.px(v);
    out.push(
      `<line x1="${n(px)}" y1="${n(plot.bottom)}" x2="${n(px)}" y2="${n(plot.bottom + 5)}" stroke="#333"/>`,
      `<text class="tick" x="${n(px)}" y="${n(plot.bottom + 8 + FONT)}" text-anchor="middle">${escapeXml(x.label(v))}</text>`,
    );
  }
  // Centred under the plot, free to reach under the row labels and totals, not past the canvas.
  const centre = (plot.left + plot.right) / 2;
  const labelWidth = 2 * Math.min(centre - PAD, width - PAD - centre);
  out.push(
    `<text class="axis-label" x="${n(centre)}" y="${n(height - PAD)}" text-anchor="middle" font-weight="600">${escapeXml(ellipsize(options.valueLabel, labelWidth, FONT, true))}</text>`,
    '</g>',
    `<line class="baseline" x1="${n(plot.left)}" y1="${n(plot.top)}" x2="${n(plot.left)}" y2="${n(plot.bottom)}" stroke="#333"/>`,
  );

  let drawn = 0;
  options.bars.forEach((bar, row) => {
    const top = plot.top + row * ROW + (ROW - BAR) / 2;
    const cy = top + BAR / 2;
    const label = ellipsize(bar.label, labelRoom, FONT);
    out.push(
      `<g class="bar" data-label="${escapeXml(bar.label)}">`,
      `<text class="bar-label" x="${n(plot.left - 8)}" y="${n(cy + FONT * 0.35)}" text-anchor="end" fill="#222">${label === bar.label ? '' : `<title>${escapeXml(bar.label)}</title>`}${escapeXml(label)}</text>`,
    );
    if (bar.missing !== undefined) {
      out.push(
        `<text class="missing" x="${n(plot.left + 8)}" y="${n(cy + FONT * 0.35)}" fill="#777" font-style="italic">${escapeXml(ellipsize(bar.missing, plot.right - plot.left - 8 + totalRoom, FONT))}</text>`,
        '</g>',
      );
      return;
    }
    const total = totals[row] as number;
    let at = 0;
    segments.forEach((s, i) => {
      const v = bar.values[i] ?? Number.NaN;
      if (!Number.isFinite(v) || v < 0) return;
      const x0 = x.px(at);
      const x1 = x.px(at + v);
      at += v;
      const share = total > 0 ? v / total : 0;
      const tip = `${bar.label}: ${s.name} ${fixed(v, 1)} ${options.unit} (${fixed(100 * share, 1)}%)`;
      out.push(
        `<rect class="segment" data-segment="${escapeXml(s.name)}" data-value="${v}" x="${n(x0)}" y="${n(top)}" width="${n(Math.max(0, x1 - x0))}" height="${BAR}" fill="${s.colour}"><title>${escapeXml(tip)}</title></rect>`,
      );
      // The share inside the segment when it fits; small ones are left to the tooltip and the table.
      const text = `${fixed(100 * share, 0)}%`;
      if (x1 - x0 >= textWidth(text, FONT) + 2 * INSIDE_MARGIN) {
        out.push(
          `<text class="share" x="${n((x0 + x1) / 2)}" y="${n(cy + FONT * 0.35)}" text-anchor="middle" fill="${textOn(s.colour)}" pointer-events="none">${text}</text>`,
        );
      }
    });
    drawn++;
    // After the bar and any mark past its end, so a mark never runs through the number.
    const end = Math.max(total, ...(bar.marks ?? []).filter((v) => Number.isFinite(v) && v >= 0));
    out.push(
      `<text class="total" x="${n(x.px(end) + 6)}" y="${n(cy + FONT * 0.35)}" fill="#222">${escapeXml(totalLabels[row] as string)}</text>`,
    );
    (bar.marks ?? []).forEach((v, i) => {
      if (!Number.isFinite(v) || v < 0 || i >= marks.length) return;
      const px = x.px(v);
      out.push(
        `<g class="mark" data-mark="${escapeXml((marks[i] as BarMark).name)}" data-value="${v}">`,
        `<title>${escapeXml(`${bar.label}: ${(marks[i] as BarMark).name} ${fixed(v, 1)} ${options.unit}`)}</title>`,
        markLine(i, px, top - 4, top + BAR + 4),
        '</g>',
      );
    });
    out.push('</g>');
  });
  // Over the bars, faint: bars cover most of the plot, and the mark must survive any copy of the image.
  if (options.watermark) {
    out.push(
      `<text class="watermark" x="${n((plot.left + plot.right) / 2)}" y="${n((plot.top + plot.bottom) / 2 + 14)}" text-anchor="middle" font-size="40" font-weight="700" letter-spacing="6" fill="#000000" fill-opacity="0.07" pointer-events="none">${escapeXml(options.watermark)}</text>`,
    );
  }
  if (drawn === 0) {
    out.push(
      `<text class="no-data" x="${n((plot.left + plot.right) / 2)}" y="${n(plot.bottom - 10)}" text-anchor="middle" fill="#666">no data</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A mark: a dark line with a white halo, so it shows over any segment colour; dashed from the second on. */
function markLine(index: number, px: number, y1: number, y2: number): string {
  const dash = markDashes[index % markDashes.length] as string;
  const dashed = dash ? ` stroke-dasharray="${dash}"` : '';
  return [
    `<line x1="${n(px)}" y1="${n(y1)}" x2="${n(px)}" y2="${n(y2)}" stroke="#ffffff" stroke-width="4"/>`,
    `<line x1="${n(px)}" y1="${n(y1)}" x2="${n(px)}" y2="${n(y2)}" stroke="#222" stroke-width="2"${dashed}/>`,
  ].join('');
}

function fitScale(values: readonly number[], left: number, right: number): Scale {
  // Fewer ticks until the widest label fits its interval with room to spare.
  for (let count = 10; ; count--) {
    const scale = makeScale(values, left, right, { includeZero: true, count });
    const widest = Math.max(0, ...scale.ticks.values.map((v) => textWidth(scale.label(v), FONT)));
    const intervals = Math.max(1, scale.ticks.values.length - 1);
    if (count <= 2 || (right - left) / intervals >= widest + 16) return scale;
  }
}

interface LegendLayout {
  rows: number;
  items: Array<{ row: number; dx: number }>;
  rowWidths: number[];
}

function layoutLegend(widths: readonly number[], available: number): LegendLayout {
  const items: LegendLayout['items'] = [];
  const rowWidths: number[] = [0];
  for (const w of widths) {
    let row = rowWidths.length - 1;
    if ((rowWidths[row] as number) > 0 && (rowWidths[row] as number) + LEGEND_GAP + w > available) {
      rowWidths.push(0);
      row++;
    }
    const start = (rowWidths[row] as number) === 0 ? 0 : (rowWidths[row] as number) + LEGEND_GAP;
    items.push({ row, dx: start });
    rowWidths[row] = start + w;
  }
  return { rows: widths.length === 0 ? 0 : rowWidths.length, items, rowWidths };
}

/** Near-black or white, whichever contrasts more with `hex` (WCAG relative luminance). */
export function textOn(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#222';
  const lin = (c: string) => {
    const v = Number.parseInt(c, 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [, r, g, b] = m as unknown as [string, string, string, string];
  const l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const dark = 0.016; // #222
  return 1.05 / (l + 0.05) >= (l + 0.05) / (dark + 0.05) ? '#ffffff' : '#222';
}

const sum = (values: readonly number[]) =>
  values.reduce((a, v) => (Number.isFinite(v) && v >= 0 ? a + v : a), 0);

/** Pixel coordinates to 0.1 px, as the line charts. */
const n = (v: number) => String(Math.round(v * 10) / 10);

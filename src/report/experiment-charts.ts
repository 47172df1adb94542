import type { PointResult } from './schema.ts';
import { metric, metricCi } from './summary-values.ts';
import type { ChartPoint, ChartSeries, LineChartOptions } from './svg-chart.ts';

/** A chart an experiment gets, not yet rendered. */
export interface ExperimentChart {
  /** Short, file-name safe: `throughput-ttft`, `tpot-itl`. */
  kind: 'throughput-ttft' | 'tpot-itl';
  /** Image alt text. */
  alt: string;
  options: LineChartOptions;
}

/** Values spanning this ratio or more go on a log axis: a 87 ms -> 6,900 ms knee is unreadable on a linear one. */
const LOG_RATIO = 30;

/**
 * The charts of one experiment: the saturation chart (throughput and goodput on the left, p99 TTFT on the
 * right) and the decode-latency chart (p99 TPOT and ITL), both against the swept variable. Experiments
 * with fewer than two points with a numeric `x` have nothing to draw a line through and get none.
 */
export function experimentCharts(experiment: string, points: readonly PointResult[]): ExperimentChart[] {
  const swept = points.filter((p) => p.x !== null && Number.isFinite(p.x));
  if (swept.length < 2) return [];
  const xLabel = swept.find((p) => p.xLabel)?.xLabel ?? 'x';
  const charts: ExperimentChart[] = [];

  const throughput = seriesOf(swept, 'request throughput', 'request_throughput');
  const ttft = { ...seriesOf(swept, 'p99 TTFT', 'p99_ttft_ms'), axis: 'right' as const };
  const left: ChartSeries[] = [];
  // "Offered" is the line throughput follows until the server saturates; only meaningful when x is the rate.
  if (swept.every((p) => p.offeredRate !== null && p.offeredRate === p.x)) {
    left.push({
      name: 'offered',
      reference: true,
      points: swept.map((p) => ({ x: p.x as number, y: p.x as number })),
    });
  }
  const goodput = seriesOf(swept, 'goodput', 'request_goodput');
  if (hasData(throughput) || hasData(ttft)) {
    charts.push({
      kind: 'throughput-ttft',
      alt: `${experiment}: request throughput and p99 TTFT vs ${xLabel}`,
      options: {
        title: `${experiment}: throughput and p99 TTFT vs ${xLabel}`,
        xLabel,
        yLabel: 'throughput (req/s)',
        // Throughput, TTFT, goodput: colours follow data-series order, so TTFT looks the same in every chart.
        series: [...left, throughput, ttft, ...(hasData(goodput) ? [goodput] : [])],
        secondAxis: { label: 'p99 TTFT (ms)', log: isWide(ttft) },
      },
    });
  }

  const decode = [
    seriesOf(swept, 'p99 TPOT', 'p99_tpot_ms'),
    seriesOf(swept, 'p99 ITL', 'p99_itl_ms'),
  ].filter(hasData);
  if (decode.length > 0) {
    charts.push({
      kind: 'tpot-itl',
      alt: `${experiment}: p99 TPOT and p99 ITL vs ${xLabel}`,
      options: {
        title: `${experiment}: decode latency vs ${xLabel}`,
        xLabel,
        yLabel: 'latency (ms)',
        series: decode,
        yLog: isWide({ name: '', points: decode.flatMap((s) => s.points) }),
      },
    });
  }
  return charts;
}

/** One summary key over the points; a missing value becomes NaN, which the chart draws as a gap. */
function seriesOf(points: readonly PointResult[], name: string, key: string): ChartSeries {
  return {
    name,
    points: points.map((p): ChartPoint => {
      const ci = metricCi(p, key);
      const y = metric(p, key) ?? Number.NaN;
      return ci ? { x: p.x as number, y, lo: ci[0], hi: ci[1] } : { x: p.x as number, y };
    }),
  };
}

const hasData = (s: ChartSeries) => s.points.some((p) => Number.isFinite(p.y));

function isWide(s: ChartSeries): boolean {
  const positive = s.points.map((p) => p.y).filter((y) => y > 0 && Number.isFinite(y));
  return positive.length >= 2 && Math.max(...positive) / Math.min(...positive) >= LOG_RATIO;
}

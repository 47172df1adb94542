import { Command } from 'commander';
import { writeFileAtomic } from '../core/write-atomic.ts';
import { readJsonl } from '../metrics/record-files.ts';
import { defaultPercentiles, type GoodputSlo, latencyMetrics, summarize } from '../metrics/summarize.ts';
import { clientQueueStats, isQueueMetric, latencyMetricsOf, type ReportedMetric } from './client-queue.ts';
import { failureReasons } from './failure-reasons.ts';
import { goodputEntry, metricList, percentileList, positiveNumber } from './flag-parsers.ts';
import { renderSummaryTable } from './summary-table.ts';

/** `servebench summarize FILE.jsonl`: the result JSON recomputed from raw records alone. */
export function summarizeCommand(): Command {
  return new Command('summarize')
    .description('recompute the result JSON from a raw records file (JSONL)')
    .argument('<file>', 'raw records, one JSON object per line')
    .option('--goodput <key:ms...>', 'SLOs for goodput, e.g. ttft:200 tpot:50', goodputEntry)
    .option(
      '--percentile-metrics <list>',
      'metrics with percentiles (client_queue_time and e2el_including_client_queue on request)',
      metricList,
      [...latencyMetrics],
    )
    .option('--metric-percentiles <list>', 'percentiles to report', percentileList, [...defaultPercentiles])
    .option('--max-lateness-ms <ms>', 'p99 send lateness above which the run is invalid', positiveNumber, 10)
    .option('--result-filename <path>', 'also write the result JSON here')
    .option('--json', 'print the result JSON instead of the table', false)
    .action(async (file: string, flags: SummarizeFlags) => {
      const records = await readJsonl(file);
      const summary = {
        ...summarize(records, {
          goodput: flags.goodput,
          metrics: latencyMetricsOf(flags.percentileMetrics),
          percentiles: flags.metricPercentiles,
          maxLatenessP99Ms: flags.maxLatenessMs,
        }),
        ...clientQueueStats(records, flags.percentileMetrics.filter(isQueueMetric), flags.metricPercentiles),
      };
      const json = `${JSON.stringify(summary, null, 2)}\n`;
      if (flags.resultFilename) await writeFileAtomic(flags.resultFilename, json);
      if (flags.json) return void process.stdout.write(json);
      console.log(renderSummaryTable(summary, flags.percentileMetrics, flags.metricPercentiles));
      const reasons = failureReasons(records);
      if (reasons.length > 0) console.log(reasons.join('\n'));
    });
}

interface SummarizeFlags {
  goodput?: GoodputSlo;
  percentileMetrics: ReportedMetric[];
  metricPercentiles: number[];
  maxLatenessMs: number;
  resultFilename?: string;
  json: boolean;
}

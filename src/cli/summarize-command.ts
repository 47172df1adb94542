import { Command } from 'commander';
import { readJsonl } from '../metrics/record-files.ts';
import { defaultPercentiles, type GoodputSlo, latencyMetrics, summarize } from '../metrics/summarize.ts';
import { writeFileAtomic } from '../report/write-atomic.ts';
import { goodputEntry, metricList, percentileList, positiveNumber } from './flag-parsers.ts';
import { renderSummaryTable } from './summary-table.ts';

/** `servebench summarize FILE.jsonl`: the result JSON recomputed from raw records alone. */
export function summarizeCommand(): Command {
  return new Command('summarize')
    .description('recompute the result JSON from a raw records file (JSONL)')
    .argument('<file>', 'raw records, one JSON object per line')
    .option('--goodput <key:ms...>', 'SLOs for goodput, e.g. ttft:200 tpot:50', goodputEntry)
    .option('--percentile-metrics <list>', 'metrics with percentiles', metricList, [...latencyMetrics])
    .option('--metric-percentiles <list>', 'percentiles to report', percentileList, [...defaultPercentiles])
    .option('--max-lateness-ms <ms>', 'p99 send lateness above which the run is invalid', positiveNumber, 10)
    .option('--result-filename <path>', 'also write the result JSON here')
    .option('--json', 'print the result JSON instead of the table', false)
    .action(async (file: string, flags: SummarizeFlags) => {
      const records = await readJsonl(file);
      const summary = summarize(records, {
        goodput: flags.goodput,
        metrics: flags.percentileMetrics,
        percentiles: flags.metricPercentiles,
        maxLatenessP99Ms: flags.maxLatenessMs,
      });
      const json = `${JSON.stringify(summary, null, 2)}\n`;
      if (flags.resultFilename) await writeFileAtomic(flags.resultFilename, json);
      if (flags.json) process.stdout.write(json);
      else console.log(renderSummaryTable(summary, flags.percentileMetrics, flags.metricPercentiles));
    });
}

interface SummarizeFlags {
  goodput?: GoodputSlo;
  percentileMetrics: (typeof latencyMetrics)[number][];
  metricPercentiles: number[];
  maxLatenessMs: number;
  resultFilename?: string;
  json: boolean;
}

import { dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../core/write-atomic.ts';
import { type LoadResult, runLoad } from '../load/run-load.ts';
import { jsonlChunks } from '../metrics/record-files.ts';
import { clientQueueStats } from './client-queue.ts';
import { failureReasons } from './failure-reasons.ts';
import { checkFlags } from './flag-checks.ts';
import { renderProgress } from './progress-line.ts';
import { readyCheck } from './ready-check.ts';
import {
  checkOutputDirs,
  defaultResultFilename,
  outputDirsOf,
  planOutputs,
  vllmDate,
  writeResultJson,
} from './result-files.ts';
import { addRunOptions, givenIn, type RunFlags } from './run-options.ts';
import { profileFromFlags, queueMetricsOf, reportedMetricsOf } from './run-profile.ts';
import { renderSummaryTable } from './summary-table.ts';
import { CommandWithFlagHints } from './unknown-flags.ts';
import { resultDocument, trafficOf } from './vllm-result.ts';

const note = (line: string) => process.stderr.write(`${line}\n`);

/** `servebench run`: `vllm bench serve`'s flags wherever the meaning is the same (run-options.ts). */
export function runCommand(): Command {
  const cmd = new CommandWithFlagHints('run').description(
    'drive an OpenAI-compatible server with load and report vLLM-compatible metrics',
  );
  return addRunOptions(cmd).action(async (flags: RunFlags, command: Command) => {
    for (const warning of checkFlags(flags, givenIn(command))) note(`warning: ${warning}`);
    const profile = profileFromFlags(flags);
    // Before any request: a run that could not keep its records fails now, naming the flag.
    await checkOutputDirs(
      outputDirsOf({
        save: flags.saveResult,
        append: flags.appendResult,
        resultDir: flags.resultDir,
        resultFilename: flags.resultFilename,
      }),
    );
    if (flags.readyCheckTimeoutSec > 0) {
      await readyCheck(profile.baseUrl, profile.headers ?? {}, flags.readyCheckTimeoutSec, note);
    }
    const result = await runLoad(profile, flags.disableTqdm ? {} : { onProgress: renderProgress });
    if (!flags.disableTqdm && process.stderr.isTTY) process.stderr.write('\n'); // end the progress line
    const queueStats = clientQueueStats(result.records, queueMetricsOf(flags), flags.metricPercentiles);
    const summary = { ...result.summary, ...queueStats };
    console.log(renderSummaryTable(summary, reportedMetricsOf(flags), flags.metricPercentiles));
    const reasons = failureReasons(result.records);
    if (reasons.length > 0) console.log(reasons.join('\n'));
    await saveFiles(result, flags, queueStats);
    if (!result.summary.valid) process.exitCode = 2;
  });
}

/** Raw records always (see planOutputs for where); the result JSON with --save-result / --append-result. */
async function saveFiles(
  result: LoadResult,
  flags: RunFlags,
  queueStats: Record<string, number>,
): Promise<void> {
  const date = vllmDate(new Date());
  // vLLM's model_id is --model even when requests name --served-model-name.
  const modelId = flags.model ?? result.model;
  const traffic = trafficOf(result.profile);
  const plan = planOutputs({
    save: flags.saveResult,
    append: flags.appendResult,
    resultDir: flags.resultDir,
    resultFilename: flags.resultFilename,
    defaultName: defaultResultFilename({
      label: flags.label,
      backend: flags.backend,
      modelId,
      date,
      ...traffic,
    }),
    date,
  });
  await writeFileAtomic(plan.rawPath, jsonlChunks(result.records));
  note(`raw records: ${plan.rawPath}`);
  if (plan.resultPath === null) return;
  const doc = resultDocument(
    result,
    {
      date,
      backend: flags.backend,
      label: flags.label ?? null,
      modelId,
      tokenizerId: flags.tokenizer ?? modelId,
      metadata: flags.metadata ?? {},
    },
    {
      queueStats,
      detailed: flags.saveDetailed,
      rawRecordsFile: relative(dirname(plan.resultPath), plan.rawPath),
    },
  );
  await writeResultJson(plan.resultPath, doc, plan.append);
  note(`result: ${plan.resultPath}${plan.append ? ' (appended)' : ''}`);
}

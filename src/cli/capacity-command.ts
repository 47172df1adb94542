import { basename } from 'node:path';
import type { Command } from 'commander';
import { confirmCapacity, findCapacity } from '../capacity/find-capacity.ts';
import type { CapacityProbe, CapacityResult } from '../capacity/result.ts';
import { capacitySearchSchema, capacitySloSchema, probeBaseSchema } from '../capacity/spec.ts';
import { checkCapacityFlags } from './capacity-checks.ts';
import { capacityDocument } from './capacity-document.ts';
import { type CapacityOutputPlan, capacityResultFilename, planCapacityOutputs } from './capacity-files.ts';
import { type CapacityInputs, capacityInputsFromFlags } from './capacity-inputs.ts';
import { addCapacityOptions, type CapacityFlags, capacityGivenIn } from './capacity-options.ts';
import { answerLine, hasAnswer, probeLine, probesTable } from './capacity-output.ts';
import { recordingProbeRunner } from './capacity-probes.ts';
import { renderProgress } from './progress-line.ts';
import { readyCheck } from './ready-check.ts';
import { checkOutputDirs, outputDirsOf, vllmDate, writeResultJson } from './result-files.ts';
import { CommandWithFlagHints } from './unknown-flags.ts';

const note = (line: string) => process.stderr.write(`${line}\n`);

/** `servebench capacity`: the largest load the server holds while meeting an SLO. */
export function capacityCommand(): Command {
  const cmd = new CommandWithFlagHints('capacity').description(
    'find the largest request rate (or concurrency) a server holds while meeting an SLO',
  );
  return addCapacityOptions(cmd).action(async (flags: CapacityFlags, command: Command) => {
    for (const warning of checkCapacityFlags(flags, capacityGivenIn(command))) note(`warning: ${warning}`);
    const inputs = capacityInputsFromFlags(flags);
    // Before any request: a search that could not keep its records fails now, naming the flag.
    await checkOutputDirs(
      outputDirsOf({
        save: flags.saveResult,
        resultDir: flags.resultDir,
        resultFilename: flags.resultFilename,
      }),
    );
    if (flags.readyCheckTimeoutSec > 0) {
      await readyCheck(inputs.base.baseUrl, inputs.base.headers ?? {}, flags.readyCheckTimeoutSec, note);
    }
    const started = new Date();
    const planFor = (model: string) => outputPlan(flags, flags.model ?? model, started);
    // A run's live line is rewritten in place on a terminal only; elsewhere the probe lines say it.
    const live = !flags.disableTqdm && process.stderr.isTTY;
    const recorder = recordingProbeRunner(planFor, live ? { onProgress: renderProgress } : {});
    const options = {
      runProbe: recorder.runProbe,
      onProbe: (probe: CapacityProbe) => note(`${live ? '\r\x1b[K' : ''}${probeLine(probe, flags.search)}`),
    };
    const result = await (inputs.confirm === undefined
      ? findCapacity(inputs.base, inputs.slo, inputs.search, options)
      : confirmCapacity(inputs.base, inputs.slo, inputs.search, inputs.confirm, options));

    console.log(answerLine(result));
    if (result.probes.length > 0) console.log(`\n${probesTable(result)}`);
    const written = recorder.written();
    const [first, last] = [written[0], written.at(-1)];
    if (first && last) {
      const more = written.length > 1 ? ` ... ${basename(last)}` : '';
      note(`raw records (${written.length} file${more ? 's' : ''}): ${first}${more}`);
    }
    if (flags.saveResult) {
      // No run resolved the model when no probe ran: the file is named after --model or 'unknown'.
      const modelId = flags.model ?? recorder.model() ?? 'unknown';
      const plan = recorder.plan() ?? planFor(modelId);
      await saveResult(result, flags, inputs, { path: plan.resultPath as string, modelId, started });
    }
    if (!hasAnswer(result)) process.exitCode = 2;
  });
}

function outputPlan(flags: CapacityFlags, modelId: string, started: Date): CapacityOutputPlan {
  return planCapacityOutputs({
    save: flags.saveResult,
    resultDir: flags.resultDir,
    resultFilename: flags.resultFilename,
    defaultName: capacityResultFilename({
      label: flags.label,
      backend: flags.backend,
      variable: flags.search,
      modelId,
      date: vllmDate(started),
    }),
  });
}

async function saveResult(
  result: CapacityResult,
  flags: CapacityFlags,
  inputs: CapacityInputs,
  at: { path: string; modelId: string; started: Date },
): Promise<void> {
  const doc = capacityDocument(
    result,
    {
      date: vllmDate(at.started),
      backend: flags.backend,
      label: flags.label ?? null,
      modelId: at.modelId,
      tokenizerId: flags.tokenizer ?? at.modelId,
      metadata: flags.metadata ?? {},
    },
    {
      slo: capacitySloSchema.parse(inputs.slo),
      search: capacitySearchSchema.parse(inputs.search),
      dataset: probeBaseSchema.parse(inputs.base).dataset,
      startedAt: at.started.toISOString(),
      finishedAt: new Date().toISOString(),
    },
  );
  await writeResultJson(at.path, doc, false);
  note(`result: ${at.path}`);
}

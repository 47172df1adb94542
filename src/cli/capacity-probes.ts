import type { ProbeRunner } from '../capacity/find-capacity.ts';
import { writeFileAtomic } from '../core/write-atomic.ts';
import type { Progress } from '../load/progress.ts';
import { runLoad } from '../load/run-load.ts';
import { jsonlChunks } from '../metrics/record-files.ts';
import type { CapacityOutputPlan } from './capacity-files.ts';

/**
 * The engine's probe runner for the CLI: each load run goes through the load engine and its raw
 * records are written at once (a search cut short keeps what it ran). File names need the model,
 * which the first run resolves (`/v1/models` when no --model), so the plan is made then.
 */
export function recordingProbeRunner(
  planFor: (model: string) => CapacityOutputPlan,
  options: { onProgress?: (progress: Progress) => void; signal?: AbortSignal } = {},
) {
  let plan: CapacityOutputPlan | undefined;
  let model: string | undefined;
  let runs = 0;
  const written: string[] = [];
  const runProbe: ProbeRunner = async (profile) => {
    const result = await runLoad(profile, options);
    model ??= result.model;
    plan ??= planFor(model);
    const path = plan.probePath(++runs);
    await writeFileAtomic(path, jsonlChunks(result.records));
    written.push(path);
    return { result, rawFile: plan.reference(path) };
  };
  return {
    runProbe,
    /** The model the first run resolved, and the plan made for it. */
    model: () => model,
    plan: () => plan,
    /** Paths of the records files written so far. */
    written: () => [...written],
  };
}

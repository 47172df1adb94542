import type { CapacityResult } from '../capacity/result.ts';
import type { CapacitySearch, CapacitySlo } from '../capacity/spec.ts';
import type { DatasetSpec } from '../datasets/spec.ts';
import { version } from '../version.ts';
import { headerKeys, type ResultHeader } from './vllm-result.ts';

/**
 * The capacity result file: vLLM's header keys where they mean the same (`date`,
 * `endpoint_type`, `backend`, `label`, `model_id`, `tokenizer_id`, the `--metadata` pairs; no
 * `num_prompts`, since the search sizes each probe), the settings the search ran with (schema
 * defaults filled in, enough to rerun it), then `capacity`: the engine's result as is.
 */
export function capacityDocument(
  result: CapacityResult,
  head: ResultHeader,
  run: {
    slo: CapacitySlo;
    search: CapacitySearch;
    dataset: DatasetSpec;
    startedAt: string;
    finishedAt: string;
  },
) {
  return {
    ...headerKeys(head),
    ...head.metadata,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    servebench_version: version,
    dataset: run.dataset,
    capacity_slo: run.slo,
    capacity_search: run.search,
    capacity: result,
  };
}

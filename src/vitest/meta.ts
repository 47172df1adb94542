import type { BaselineEntry } from '../baseline/entry.ts';
import type { PointResult } from '../report/schema.ts';

/** What a test hands the reporter through task.meta (JSON only). */
export type PointMeta = Omit<PointResult, 'state' | 'errors' | 'slo' | 'baseline'> & {
  slo: PointResult['slo'];
  baseline: PointResult['baseline'];
  /** A baseline entry the reporter writes if the test passes (update modes 'new' and 'all'). */
  pendingBaseline: BaselineEntry | null;
};

/**
 * Where and when a test module ran, stamped on the module's meta by the reporter of the process
 * that ran it: it travels in blob reports, so a `--merge-reports` run knows every shard's target.
 */
export interface RunStamp {
  target: string;
  targetReason: string;
  /** `index: name (uuid)` of the GPUs nvidia-smi listed. */
  gpus: string[];
  /** When that Vitest process loaded the plugin, and when the module finished (ISO 8601). */
  startedAt: string;
  finishedAt: string;
  /** `2/4` for `--shard 2/4`, null when not sharded. */
  shard: string | null;
}

declare module 'vitest' {
  interface TaskMeta {
    servebench?: PointMeta;
    servebenchRun?: RunStamp;
  }
}

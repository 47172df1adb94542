import type { BaselineEntry } from '../baseline/entry.ts';
import type { PointResult } from '../report/schema.ts';

/** What a test hands the reporter through task.meta (JSON only). */
export type PointMeta = Omit<PointResult, 'state' | 'errors' | 'slo' | 'baseline'> & {
  slo: PointResult['slo'];
  baseline: PointResult['baseline'];
  /** A baseline entry the reporter writes if the test passes (update modes 'new' and 'all'). */
  pendingBaseline: BaselineEntry | null;
};

declare module 'vitest' {
  interface TaskMeta {
    servebench?: PointMeta;
  }
}

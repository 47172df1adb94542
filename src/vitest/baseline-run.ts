import type { BaselineEntry } from '../baseline/entry.ts';
import { baselinePath } from '../baseline/store.ts';
import type { BaselineKey, BaselineOutcome } from '../report/schema.ts';
import type { PointMeta } from './meta.ts';
import type { UpdateMode } from './update-mode.ts';

/** Where a point's baseline lives this run and how it may be written (the plugin sets both). */
export const baselineUpdateMode = () => (process.env.SERVEBENCH_UPDATE ?? 'new') as UpdateMode;
export const baselinesDir = () => process.env.SERVEBENCH_BASELINES_DIR ?? 'baselines';
export const baselineFileOf = (key: BaselineKey) => baselinePath(baselinesDir(), key);

/**
 * Hands a point's baseline outcome (and the entry to write if the test passes) to the reporter
 * through the test's meta: every kind of `toMatchBaseline` settles the same way.
 */
export const settleBaseline =
  (meta: PointMeta | undefined) => (outcome: BaselineOutcome, pending: BaselineEntry | null) => {
    if (meta) {
      meta.baseline = outcome;
      meta.pendingBaseline = pending;
    }
  };

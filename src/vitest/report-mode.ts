import type { ResolvedConfig } from 'vitest/node';

/**
 * Who writes results and baselines. `run`: this process, for the tests it ran. `blob`: nobody
 * here; a shard (`--reporter=blob`) leaves its tests' meta in the blob report. `merge`
 * (`--merge-reports`): this process, once, for every shard's tests, replayed from the blobs.
 */
export type ReportMode = 'run' | 'blob' | 'merge';

export function reportMode(config: ResolvedConfig): ReportMode {
  if (config.mergeReports) return 'merge';
  // Resolved reporters are [name, options] tuples or reporter instances.
  const blob = config.reporters.some((r) => Array.isArray(r) && r[0] === 'blob');
  return blob ? 'blob' : 'run';
}

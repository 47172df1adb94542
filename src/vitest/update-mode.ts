import { ConfigError } from '../core/errors.ts';

/** How baselines are written this run: `-u` re-records all, CI records none, else only new ones. */
export type UpdateMode = 'all' | 'new' | 'none';

const UPDATE_TYPES = new Set(['all', 'new', 'none', 'true', 'false']);

/**
 * The run's update mode from Vitest's resolved snapshot setting, after checking what `-u` was
 * given. Vitest's `-u [type]` takes the next word as its value, so `npx vitest run -u suites/mps`
 * runs every suite in update mode with `suites/mps` as the "type": re-recording baselines the user
 * never meant to touch. That is refused before any test runs.
 */
export function updateModeOf(config: {
  update?: unknown;
  snapshotOptions: { updateSnapshot: string };
}): UpdateMode {
  const asked = config.update;
  if (typeof asked === 'string' && !UPDATE_TYPES.has(asked)) {
    throw new ConfigError(
      `-u took '${asked}' as its update type (Vitest's -u [type] reads the next word), so no path filters this run and every suite would re-record its baselines`,
      `put the paths before -u: npx vitest run ${asked} -u (or write -u=all)`,
    );
  }
  const update = config.snapshotOptions.updateSnapshot;
  return update === 'all' ? 'all' : update === 'none' ? 'none' : 'new';
}

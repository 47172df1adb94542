import { z } from 'zod';
import { formatLimit, loadLimits as L } from '../config/load-limits.ts';
import { sweepDefaults } from './concurrency-sweep.ts';

/** Levels one sweep may hold: each is a whole load run. */
export const MAX_SWEEP_LEVELS = 32;

const levelError = `must be an integer in [1, ${formatLimit(L.maxConcurrency)}] (concurrent users)`;

/** How a concurrency sweep is judged: its levels and its two rules (concurrency-sweep.ts). */
export const concurrencySweepSpecSchema = z.strictObject({
  /** Concurrency levels in ascending order, each run as a closed loop of that many users. */
  levels: z
    .array(
      z.int({ error: levelError }).min(1, { error: levelError }).max(L.maxConcurrency, { error: levelError }),
      {
        error: 'must be an array of concurrency levels, e.g. [1, 2, 4, 8, 16, 32]',
      },
    )
    .min(1, { error: 'must list at least one concurrency level, e.g. [1, 2, 4, 8, 16, 32]' })
    .max(MAX_SWEEP_LEVELS, { error: `must list at most ${MAX_SWEEP_LEVELS} levels` })
    .refine((levels) => levels.every((c, i) => i === 0 || c > (levels[i - 1] as number)), {
      error: 'must be strictly ascending with no repeats, e.g. [1, 2, 4, 8, 16, 32]',
    }),
  /** Growth per doubling below which throughput counts as saturated (default 0.1 = 10 %). */
  saturationGrowth: z
    .number({ error: 'must be a share in (0, 10], e.g. 0.1 for 10 % per doubling' })
    .positive({ error: 'must be a share in (0, 10], e.g. 0.1 for 10 % per doubling' })
    .max(10, { error: 'must be a share in (0, 10], e.g. 0.1 for 10 % per doubling' })
    .default(sweepDefaults.saturationGrowth),
  /** Allowed |in flight / concurrency - 1| before a level is flagged (default 0.1). */
  littleTolerance: z
    .number({ error: 'must be a share in (0, 1], e.g. 0.1' })
    .positive({ error: 'must be a share in (0, 1], e.g. 0.1' })
    .max(1, { error: 'must be a share in (0, 1], e.g. 0.1' })
    .default(sweepDefaults.littleTolerance),
});

export type ConcurrencySweepSpec = z.infer<typeof concurrencySweepSpecSchema>;
export type ConcurrencySweepSpecInput = z.input<typeof concurrencySweepSpecSchema>;

/** Profile fields the sweep sets itself: each level's arrival is its closed loop. */
export const sweepOwnedFields = ['arrival', 'maxConcurrency'] as const;

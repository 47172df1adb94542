import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import type { ServerHandle } from './api.ts';
import { type ConcurrencySweep, runConcurrencySweep } from './concurrency.ts';

/** A ready server that is never reached: every call below fails validation before any load. */
const server: ServerHandle = {
  info: {
    url: 'http://127.0.0.1:9',
    model: 'm',
    target: 'url',
    simulated: false,
    hardware: 'none',
    server: 'none',
    serverArgs: [],
    gpus: [],
  },
  stop: async () => {},
};

async function configError(sweep: unknown): Promise<ConfigError> {
  const error = await runConcurrencySweep(server, sweep as ConcurrencySweep).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('runConcurrencySweep: bad input fails before any load, naming the field', () => {
  it("the sweep sets each level's arrival and cap itself", async () => {
    const error = await configError({
      levels: [1, 2],
      profile: { requests: 10, arrival: { kind: 'poisson', rate: 1 } },
    });
    expect(error.message).toMatch(/profile\.arrival: set by the sweep/);
    expect(error.hint).toMatch(/levels: \[1, 2, 4, 8, 16, 32\]/);
    const capped = await configError({ levels: [1, 2], profile: { requests: 10, maxConcurrency: 4 } });
    expect(capped.message).toMatch(/profile\.maxConcurrency: set by the sweep/);
  });

  it('levels must be ascending integers', async () => {
    expect((await configError({ levels: [4, 2], profile: { requests: 10 } })).message).toMatch(
      /invalid concurrency sweep:\n {2}levels: must be strictly ascending/,
    );
    expect((await configError({ profile: { requests: 10 } })).message).toMatch(/levels: must be an array/);
  });

  it('every level must be bounded (requests or durationS), checked before the first runs', async () => {
    const error = await configError({ levels: [1, 2], profile: { dataset: { name: 'random' } } });
    expect(error.message).toMatch(/invalid concurrency sweep profile:\n {2}requests: give requests/);
    expect(error.code).toBe('SB_CONFIG');
  });
});

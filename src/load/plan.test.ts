import { describe, expect, it } from 'vitest';
import { loadLimits, MAX_TIMER_MS } from '../config/load-limits.ts';
import { type LoadProfileInput, loadProfileSchema } from '../config/load-profile.ts';
import { ConfigError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { planLoad, type SettingNames } from './plan.ts';

const plan = (p: Omit<LoadProfileInput, 'baseUrl'>, names?: SettingNames) =>
  planLoad(
    loadProfileSchema.parse({ baseUrl: 'http://127.0.0.1:9', ...p }),
    createRng(0).fork('arrivals'),
    names,
  );

describe('planLoad: counts, run length and memory, checked before any request', () => {
  it('plans a count-bounded open loop: its schedule, and when the last request goes', () => {
    const p = plan({ arrival: { kind: 'constant', rate: 10 }, requests: 20, warmupRequests: 5 });
    expect(p.total).toBe(25);
    expect(p.scheduleMs).toHaveLength(25);
    expect(p.lastSendS).toBeCloseTo(2.5, 9);
    expect(p.capped).toBe(false);
  });

  it('a duration-bounded run plans what fits in the duration, the rest of its schedule cut', () => {
    const p = plan({ arrival: { kind: 'poisson', rate: 50 }, durationS: 10 });
    expect(p.total).toBeGreaterThan(400);
    expect(p.total).toBeLessThan(600);
    expect(p.lastSendS).toBeLessThanOrEqual(10);
  });

  it('a closed loop bounded by a duration alone gets a request cap (its records are kept in memory)', () => {
    const p = plan({ arrival: { kind: 'concurrency', concurrency: 4 }, durationS: 60 });
    expect(p.capped).toBe(true);
    expect(p.total).toBeGreaterThan(0);
    expect(p.total).toBeLessThanOrEqual(loadLimits.maxRequests);
    expect(p.scheduleMs).toBeNull();
  });

  it('a step at rate 0 pauses the sends; the first request waits for the first step above 0', () => {
    const p = plan({
      arrival: {
        kind: 'steps',
        steps: [
          { rate: 0, durationS: 5 },
          { rate: 10, durationS: 1 },
        ],
        burstiness: 1,
      },
      requests: 5,
    });
    expect(Math.min(...(p.scheduleMs ?? []))).toBeGreaterThanOrEqual(5000);
    expect(p.scheduleMs?.every(Number.isFinite)).toBe(true);
  });

  it('no planned wait reaches the longest timer (2^31-1 ms)', () => {
    expect(loadLimits.maxDurationS * 1000).toBeLessThan(MAX_TIMER_MS);
    expect(loadLimits.maxRequestTimeoutS * 1000).toBeLessThan(MAX_TIMER_MS);
    // The slowest rate a profile takes, with the most requests that still fit in the longest run.
    const slow = plan({ arrival: { kind: 'constant', rate: loadLimits.minRate }, requests: 60 });
    expect(slow.lastSendS).toBeLessThanOrEqual(loadLimits.maxDurationS);
  });

  it('names the settings as the caller calls them (the CLI: its flags)', () => {
    const flags: SettingNames = {
      requests: '--num-prompts',
      warmupRequests: '--num-warmups',
      durationS: '--duration',
      arrival: '--request-rate',
      dataset: '--dataset-name',
    };
    const tooLong = () => plan({ arrival: { kind: 'poisson', rate: 0.001 }, requests: 1000 }, flags);
    expect(tooLong).toThrow(ConfigError);
    expect(tooLong).toThrow(/--request-rate and --num-prompts plan a run whose last request is sent after/);
    try {
      tooLong();
    } catch (error) {
      expect((error as ConfigError).hint).toMatch(
        /raise the rate of --request-rate, lower --num-prompts, or bound the run with --duration/,
      );
    }
  });
});

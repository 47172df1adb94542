import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capacitySearchSchema, capacitySloSchema, probeBaseSchema } from '../capacity/spec.ts';
import { type LoadProfileInput, loadProfileFields, loadProfileSchema } from '../config/load-profile.ts';
import { describeCapacity, describeProfile, reportOnlyFields, shapingFields } from './profile-key.ts';

const profile = (extra: Partial<LoadProfileInput> = {}) =>
  loadProfileSchema.parse({
    baseUrl: 'http://127.0.0.1:8000',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    arrival: { kind: 'poisson', rate: 10 },
    requests: 40,
    dataset: { name: 'random', input_len: 1024, output_len: 128 },
    ...extra,
  });

/** Every `profile` key in the committed baselines. */
async function committedKeys(): Promise<string[]> {
  const root = join(import.meta.dirname, '../../baselines');
  const keys: string[] = [];
  for (const experiment of await readdir(root))
    for (const file of await readdir(join(root, experiment))) {
      const json = JSON.parse(await readFile(join(root, experiment, file), 'utf8'));
      keys.push(...json.entries.map((e: { key: { profile: string } }) => e.key.profile));
    }
  return keys;
}

describe('baseline key: only what shapes the load', () => {
  it('keeps the keys of the committed baselines (the suites’ profiles)', async () => {
    const keys = await committedKeys();
    // suites/scaling and suites/mps (server sweeps: the kind, then the fixed load every point runs)
    const scaling = profile({
      arrival: { kind: 'poisson', rate: 60 },
      requests: 180,
      ignoreEos: true,
    });
    expect(keys).toContain(`scaling sweep · ${describeProfile(scaling)}`);
    const mps = profile({
      model: 'Qwen/Qwen2.5-1.5B-Instruct',
      arrival: { kind: 'poisson', rate: 4 },
      requests: 100,
      seed: 14,
      dataset: { name: 'jsonl', path: 'fixtures/sharegpt-like-seed000.jsonl', shuffle: false },
      ignoreEos: true,
    });
    expect(keys).toContain(`mps sweep · ${describeProfile(mps)}`);
    // suites/saturation
    const base = probeBaseSchema.parse({
      baseUrl: 'http://127.0.0.1:8000',
      dataset: { name: 'random', input_len: 1024, output_len: 128 },
    });
    const slo = capacitySloSchema.parse({ goodput: { ttft: 200, tpot: 50 }, attainment: 0.95 });
    expect(keys).toContain(describeCapacity(base, slo, capacitySearchSchema.parse({ maxProbes: 16 })));
  });

  it('does not change with what is reported, nor with where and how the client runs', () => {
    const key = describeProfile(profile());
    const reportOnly: Partial<LoadProfileInput>[] = [
      { percentiles: [50, 99] },
      { percentileMetrics: ['ttft'] },
      { goodput: { ttft: 200 } },
      { maxLatenessP99Ms: 50 },
      { maxFailureRate: 0.5 },
      { requestTimeoutS: 30 },
      { headers: { authorization: 'Bearer x' } },
      { workers: 4 },
      { baseUrl: 'http://127.0.0.1:9001' },
    ];
    for (const extra of reportOnly) expect([extra, describeProfile(profile(extra))]).toEqual([extra, key]);
  });

  it('changes with every field that shapes the load', () => {
    const key = describeProfile(profile());
    const shaping: Partial<LoadProfileInput>[] = [
      { endpoint: '/v1/chat/completions' },
      { arrival: { kind: 'poisson', rate: 11 } },
      { maxConcurrency: 8 },
      { requests: 41 },
      { durationS: 30 },
      { warmupRequests: 5 },
      { seed: 1 },
      { dataset: { name: 'random', input_len: 512, output_len: 128 } },
      { ignoreEos: false },
      { continuousUsageStats: false },
      { extraBody: { temperature: 0.7 } },
    ];
    for (const extra of shaping) expect([extra, describeProfile(profile(extra))]).not.toEqual([extra, key]);
  });

  it('classifies every load-profile field (a new field must be placed in the key or out of it)', () => {
    const classified = [...shapingFields, ...reportOnlyFields, 'model'];
    expect(Object.keys(loadProfileFields.shape).filter((f) => !classified.includes(f))).toEqual([]);
  });

  it('a capacity key ignores report-only settings and search speed, not the SLO', () => {
    const slo = capacitySloSchema.parse({ goodput: { ttft: 200 } });
    const search = capacitySearchSchema.parse({});
    const base = (extra: object) =>
      probeBaseSchema.parse({ baseUrl: 'http://127.0.0.1:8000', model: 'm', ...extra });
    const key = describeCapacity(base({}), slo, search);
    expect(describeCapacity(base({ percentiles: [99], requestTimeoutS: 5 }), slo, search)).toBe(key);
    expect(describeCapacity(base({}), slo, capacitySearchSchema.parse({ precision: 0.1 }))).toBe(key);
    expect(describeCapacity(base({}), capacitySloSchema.parse({ goodput: { ttft: 100 } }), search)).not.toBe(
      key,
    );
    expect(describeCapacity(base({ seed: 3 }), slo, search)).not.toBe(key);
  });
});

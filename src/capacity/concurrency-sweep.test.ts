import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../metrics/record.ts';
import { summarize } from '../metrics/summarize.ts';
import { concurrencySweepSpecSchema } from './concurrency-spec.ts';
import {
  analyzeLevel,
  analyzeSweep,
  growthPerDoubling,
  type LevelRun,
  littlesLaw,
  saturationConcurrency,
} from './concurrency-sweep.ts';

/** A successful request in flight from `sent` to `end` (ms), first token 10 ms after sending. */
function request(sent: number, end: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ok: true,
    scheduled_ms: sent,
    sent_ms: sent,
    end_ms: end,
    chunk_ms: [sent + 10, end],
    chunk_tokens: [1, 1],
    prompt_tokens: 10,
    output_tokens: 2,
    error: null,
    ...extra,
  };
}

/**
 * A closed loop of `users` users sending `total` requests of `latency` ms each, a user waiting
 * `gap` ms between a response and its next request (a lagging client).
 */
function closedLoop(users: number, total: number, latency: number, gap = 0): RequestRecord[] {
  const free = Array.from({ length: users }, () => 0);
  const records: RequestRecord[] = [];
  for (let i = 0; i < total; i++) {
    const user = free.indexOf(Math.min(...free));
    const sent = free[user] as number;
    records.push(request(sent, sent + latency));
    free[user] = sent + latency + gap;
  }
  return records;
}

const rateLimited = (sent: number): RequestRecord =>
  request(sent, sent + 1, {
    ok: false,
    chunk_ms: [],
    chunk_tokens: [],
    output_tokens: 0,
    error: 'HTTP 429',
    error_code: 'SB_RATE_LIMITED',
  });

describe('littlesLaw: mean in flight over the steady window vs the concurrency', () => {
  it('a client that holds its users busy has in-flight = concurrency, ratio 1', () => {
    const check = littlesLaw(closedLoop(8, 80, 500), 8);
    expect(check?.inFlight).toBeCloseTo(8, 9);
    expect(check?.ratio).toBeCloseTo(1, 9);
    expect(check?.ok).toBe(true);
  });

  it('ramp-up and drain do not count: a short run at high concurrency still reads 1', () => {
    // 50 requests of 32 users: over the whole run only ~21 are in flight on average.
    const check = littlesLaw(closedLoop(32, 50, 470), 32);
    expect(check?.ratio).toBeCloseTo(1, 9);
  });

  it('flags a client that waits between a response and the next request (500 ms requests, 100 ms gaps)', () => {
    const check = littlesLaw(closedLoop(4, 200, 500, 100), 4);
    // Each user is busy 500 of every 600 ms.
    expect(check?.ratio).toBeCloseTo(500 / 600, 2);
    expect(check?.ok).toBe(false);
  });

  it('a gap within the tolerance passes; the tolerance is a parameter', () => {
    const records = closedLoop(4, 200, 500, 25); // 500 / 525 = 0.952
    expect(littlesLaw(records, 4)?.ok).toBe(true);
    expect(littlesLaw(records, 4, 0.01)?.ok).toBe(false);
  });

  it('is null without a steady window (no more requests than users)', () => {
    expect(littlesLaw(closedLoop(8, 8, 500), 8)).toBeNull();
    expect(littlesLaw([], 1)).toBeNull();
  });

  it('leaves warm-up requests out', () => {
    const warm = closedLoop(2, 10, 500).map((r) => ({ ...r, warmup: true }));
    expect(littlesLaw(warm, 2)).toBeNull();
  });
});

describe('saturationConcurrency: the smallest level after which throughput grows < 10 % per doubling', () => {
  const seed004 = [
    { concurrency: 1, throughput: 213.5 },
    { concurrency: 2, throughput: 402.7 },
    { concurrency: 4, throughput: 699 },
    { concurrency: 8, throughput: 1289.8 },
    { concurrency: 16, throughput: 2367.8 },
    { concurrency: 32, throughput: 2413.3 },
  ];

  it("finds seed 004's 16 (16 -> 32 adds 1.9 %)", () => {
    expect(saturationConcurrency(seed004)).toBe(16);
  });

  it('is null while throughput still grows at the largest level', () => {
    expect(saturationConcurrency(seed004.slice(0, 5))).toBeNull();
    expect(saturationConcurrency(seed004.slice(0, 1))).toBeNull();
    expect(saturationConcurrency([])).toBeNull();
  });

  it('a later rise past the threshold moves the answer beyond a temporary plateau', () => {
    const plateauThenRise = [
      { concurrency: 1, throughput: 100 },
      { concurrency: 2, throughput: 105 },
      { concurrency: 4, throughput: 300 },
      { concurrency: 8, throughput: 310 },
    ];
    expect(saturationConcurrency(plateauThenRise)).toBe(4);
  });

  it('judges growth per doubling, whatever the spacing of the levels', () => {
    // 10 -> 40 is two doublings; +15 % over both is ~7.2 % per doubling: saturated at 10.
    expect(
      saturationConcurrency([
        { concurrency: 10, throughput: 1000 },
        { concurrency: 40, throughput: 1150 },
      ]),
    ).toBe(10);
    expect(
      growthPerDoubling({ concurrency: 10, throughput: 1000 }, { concurrency: 40, throughput: 1150 }),
    ).toBeCloseTo(Math.sqrt(1.15) - 1, 9);
    // A falling throughput saturates too; a threshold is a parameter.
    expect(
      saturationConcurrency([
        { concurrency: 1, throughput: 100 },
        { concurrency: 2, throughput: 90 },
      ]),
    ).toBe(1);
    expect(saturationConcurrency(seed004, 0.01)).toBeNull();
  });

  it('levels need not come sorted', () => {
    expect(saturationConcurrency(seed004.toReversed())).toBe(16);
  });
});

function levelRun(
  concurrency: number,
  records: RequestRecord[],
  rawFile = `c${concurrency}.jsonl`,
): LevelRun {
  return { concurrency, records, summary: summarize(records, { closedLoop: true }), rawFile };
}

describe('analyzeLevel and analyzeSweep', () => {
  it('counts 429s as backpressure, apart from failures', () => {
    const records = [
      ...closedLoop(2, 10, 100),
      rateLimited(1000),
      rateLimited(1001),
      request(1002, 1003, { ok: false, error: 'boom', error_code: 'SB_HTTP_STATUS' }),
    ];
    const level = analyzeLevel(levelRun(2, records));
    expect(level).toMatchObject({ requests: 13, completed: 10, failed: 1, rateLimited: 2 });
  });

  it('reads throughput and latency statistics from the summary', () => {
    const records = closedLoop(4, 40, 200);
    const run = levelRun(4, records);
    const level = analyzeLevel(run);
    expect(level.outputThroughput).toBe(run.summary.output_throughput);
    expect(level.meanE2elMs).toBeCloseTo(200, 9);
    expect(level.p99TtftMs).toBeCloseTo(10, 9);
    expect(level.littleRatio).toBeCloseTo(1, 9);
    expect(level.rawFile).toBe('c4.jsonl');
  });

  it('scales against the first level and finds the saturation among valid levels', () => {
    // One 100 ms request per user at a time up to 4 users; from 4 on the server serves 4 at once.
    const runs = [1, 2, 4, 8].map((c) => {
      const latency = c <= 4 ? 100 : 200;
      return levelRun(c, closedLoop(c, 20 * c, latency));
    });
    const sweep = analyzeSweep(runs.toReversed());
    expect(sweep.levels.map((l) => l.concurrency)).toEqual([1, 2, 4, 8]);
    expect(sweep.scalingBase).toBe(1);
    expect(sweep.levels[0]?.scaling).toBe(1);
    expect(sweep.levels[2]?.scaling).toBeCloseTo(4, 1);
    expect(sweep.levels[3]?.scaling).toBeCloseTo(4, 1);
    expect(sweep.saturation).toBe(4);
    expect(sweep.rules).toEqual({ saturationGrowth: 0.1, littleTolerance: 0.1 });

    // An invalid level's throughput says nothing: without 8, nothing shows saturation.
    const invalid = runs.map((r) =>
      r.concurrency === 8 ? { ...r, summary: { ...r.summary, valid: false, invalid_reasons: ['late'] } } : r,
    );
    const judged = analyzeSweep(invalid);
    expect(judged.saturation).toBeNull();
    expect(judged.levels[3]).toMatchObject({ valid: false, invalidReasons: ['late'] });
  });
});

describe('concurrencySweepSpecSchema', () => {
  const issues = (input: unknown) => {
    const r = concurrencySweepSpecSchema.safeParse(input);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes ascending levels and fills the default rules', () => {
    expect(concurrencySweepSpecSchema.parse({ levels: [1, 2, 4] })).toEqual({
      levels: [1, 2, 4],
      saturationGrowth: 0.1,
      littleTolerance: 0.1,
    });
  });

  it('names the field and what it expects', () => {
    expect(issues({ levels: [] })).toEqual([
      'levels: must list at least one concurrency level, e.g. [1, 2, 4, 8, 16, 32]',
    ]);
    expect(issues({ levels: [4, 2] })).toEqual([
      'levels: must be strictly ascending with no repeats, e.g. [1, 2, 4, 8, 16, 32]',
    ]);
    expect(issues({ levels: [1, 1.5] })[0]).toMatch(/^levels\.1: must be an integer in \[1, /);
    expect(issues({ levels: [0] })[0]).toMatch(/^levels\.0: must be an integer/);
    expect(issues({ levels: [1], saturationGrowth: 0 })).toEqual([
      'saturationGrowth: must be a share in (0, 10], e.g. 0.1 for 10 % per doubling',
    ]);
    expect(issues({ levels: [1], littleTolerance: 2 })).toEqual([
      'littleTolerance: must be a share in (0, 1], e.g. 0.1',
    ]);
    expect(issues({ levels: [1], extra: 1 })[0]).toMatch(/extra/);
  });
});

import type { BaselineOutcome, PointResult, ResultsFile, UnderTest } from './schema.ts';

/**
 * A realistic results file for the report's tests and previews, shaped after seed 003 (one GPU
 * plateaus near 13.7 req/s while p99 TTFT climbs from ~90 ms to ~6,900 ms) and a scaling run.
 * Hand-built on purpose: the report must render what the schema allows, not what one run produced.
 */
export function sampleResults(): ResultsFile {
  const saturation = saturationPoints();
  return {
    schemaVersion: 1,
    startedAt: '2025-06-02T09:00:00.000Z',
    finishedAt: '2025-06-02T09:07:42.000Z',
    target: 'sim',
    simulated: true,
    targetReason: 'auto: no GPU found, using the simulator',
    gpus: [],
    points: [...saturation, ...scalingPoints(), smokePoint()],
  };
}

const hardware = 'simulated:NVIDIA H100 80GB HBM3 x1';
const model = 'Qwen/Qwen2.5-1.5B-Instruct';
export const sampleUnderTest: UnderTest = {
  target: 'sim',
  server: 'servebench-sim 0.2.0',
  serverArgs: ['--max-num-seqs', '256', '--enable-chunked-prefill'],
};
export const sampleBaselineUnderTest: UnderTest = {
  target: 'sim',
  server: 'servebench-sim 0.1.0',
  serverArgs: ['--max-num-seqs', '256'],
};

interface Shape {
  test: string;
  x: number | null;
  xLabel: string | null;
  offeredRate: number | null;
  throughput: number;
  goodput: number | null;
  ttftP50: number;
  ttftP99: number;
  tpotP99: number;
  itlP99: number;
  completed: number;
  failed: number;
}

/** A vLLM-style summary with CIs on the TTFT/TPOT percentiles (about ±8%, wider at the tail). */
function summary(s: Shape): Record<string, unknown> {
  const ci = (v: number, spread: number): [number, number] => [v * (1 - spread), v * (1 + spread * 1.4)];
  const e2elP99 = s.ttftP99 + 127 * s.tpotP99;
  return {
    completed: s.completed,
    failed: s.failed,
    duration: s.completed / Math.max(s.throughput, 0.01),
    request_throughput: s.throughput,
    output_throughput: s.throughput * 128,
    total_token_throughput: s.throughput * (128 + 512),
    request_goodput: s.goodput,
    mean_ttft_ms: s.ttftP50 * 1.1,
    median_ttft_ms: s.ttftP50,
    p50_ttft_ms: s.ttftP50,
    p99_ttft_ms: s.ttftP99,
    median_tpot_ms: s.tpotP99 * 0.8,
    p99_tpot_ms: s.tpotP99,
    p99_itl_ms: s.itlP99,
    p99_e2el_ms: e2elP99,
    failures: s.failed > 0 ? { SB_HTTP_503: s.failed } : {},
    ci95: {
      p50_ttft_ms: ci(s.ttftP50, 0.04),
      p99_ttft_ms: ci(s.ttftP99, 0.08),
      p99_tpot_ms: ci(s.tpotP99, 0.05),
    },
  };
}

function point(s: Shape, experiment: string, rest: Partial<PointResult> = {}): PointResult {
  return {
    experiment,
    test: s.test,
    file: `suites/${experiment}/${experiment}.bench.test.ts`,
    key: {
      experiment,
      point: s.test,
      hardware,
      model,
      profile: `poisson rate=${s.offeredRate ?? 'inf'} random 512/128 seed=0`,
    },
    underTest: sampleUnderTest,
    simulated: true,
    x: s.x,
    xLabel: s.xLabel,
    offeredRate: s.offeredRate,
    summary: summary(s),
    valid: true,
    invalidReasons: [],
    rawFile: `raw/${experiment}-${s.test.replaceAll(/\W+/g, '-')}.jsonl`,
    slo: [],
    baseline: null,
    state: 'passed',
    errors: [],
    ...rest,
  };
}

const okBaseline = (p99Ttft: number, change: number): BaselineOutcome => ({
  status: 'matched',
  verdicts: [
    {
      metric: 'p99_ttft_ms',
      direction: 'lower-is-better',
      baseline: p99Ttft / (1 + change),
      current: p99Ttft,
      change,
      ci: [change - 0.04, change + 0.04],
      tolerance: 0.1,
      verdict: 'ok',
    },
  ],
  baselineUnderTest: sampleBaselineUnderTest,
});

function saturationPoints(): PointResult[] {
  const rates = [2, 5, 10, 15, 20, 30, 40, 60];
  const throughput = [1.99, 4.97, 9.91, 13.12, 13.68, 13.7, 13.71, 13.69];
  const goodput = [1.99, 4.97, 9.85, 9.2, 3.1, 0.4, 0.1, 0];
  const ttftP50 = [41.2, 44.8, 52.3, 148.0, 1210.5, 3320.8, 4402.1, 5150.7];
  const ttftP99 = [62.4, 71.3, 87.2, 312.9, 2405.1, 4811.6, 6104.3, 6912.4];
  const tpotP99 = [6.1, 6.6, 8.3, 11.9, 14.2, 14.6, 14.7, 14.7];
  const itlP99 = [9.8, 10.6, 12.9, 18.4, 21.7, 22.3, 22.5, 22.4];
  return rates.map((rate, i) => {
    const shape: Shape = {
      test: `${rate} req/s`,
      x: rate,
      xLabel: 'offered rate (req/s)',
      offeredRate: rate,
      throughput: throughput[i] as number,
      goodput: goodput[i] as number,
      ttftP50: ttftP50[i] as number,
      ttftP99: ttftP99[i] as number,
      tpotP99: tpotP99[i] as number,
      itlP99: itlP99[i] as number,
      completed: 500,
      failed: 0,
    };
    const p99 = shape.ttftP99;
    const pass = p99 <= 200;
    const rest: Partial<PointResult> = {
      slo: [{ metric: 'p99_ttft_ms', limit: 200, measured: p99, ci: [p99 * 0.92, p99 * 1.11], pass }],
      state: pass ? 'passed' : 'failed',
      errors: pass
        ? []
        : [`p99_ttft_ms ${p99} ms exceeds the SLO of 200 ms\n    at suites/saturation.bench.test.ts:31:7`],
      baseline: okBaseline(p99, 0.02),
    };
    if (rate === 10) {
      // The regression a pull request must see: p99 TTFT up 23.4% beyond a 10% tolerance and the noise.
      rest.baseline = {
        status: 'regressed',
        verdicts: [
          {
            metric: 'p99_ttft_ms',
            direction: 'lower-is-better',
            baseline: 70.7,
            current: p99,
            change: 0.2334,
            ci: [0.151, 0.318],
            tolerance: 0.1,
            verdict: 'regressed',
          },
          {
            metric: 'request_throughput',
            direction: 'higher-is-better',
            baseline: 9.9,
            current: 9.91,
            change: 0.001,
            ci: [-0.01, 0.012],
            tolerance: 0.05,
            verdict: 'ok',
          },
        ],
        baselineUnderTest: sampleBaselineUnderTest,
      };
      rest.state = 'failed';
      rest.errors = ['p99_ttft_ms regressed by +23.3% (95% CI [+15.1%, +31.8%]) beyond the 10% tolerance'];
    }
    if (rate === 5) {
      rest.baseline = {
        status: 'matched',
        verdicts: [
          {
            metric: 'p99_tpot_ms',
            direction: 'lower-is-better',
            baseline: 7.5,
            current: 6.6,
            change: -0.12,
            ci: [-0.17, -0.07],
            tolerance: 0.1,
            verdict: 'improved',
          },
        ],
        baselineUnderTest: sampleBaselineUnderTest,
      };
    }
    if (rate === 60) {
      rest.valid = false;
      rest.invalidReasons = ['client fell behind: p99 send lateness 42.0 ms > 10.0 ms allowed'];
      rest.baseline = {
        status: 'skipped',
        verdicts: [],
        baselineUnderTest: null,
        message: 'invalid runs are not compared',
      };
    }
    return point(shape, 'saturation', rest);
  });
}

function scalingPoints(): PointResult[] {
  const gpus = [1, 2, 4];
  const throughput = [13.7, 24.9, 34.1];
  const ttftP99 = [6912.4, 1890.2, 121.5];
  return gpus.map((n, i) =>
    point(
      {
        test: `${n} GPU${n === 1 ? '' : 's'} at 60 req/s`,
        x: n,
        xLabel: 'GPUs (data parallel)',
        offeredRate: 60,
        throughput: throughput[i] as number,
        goodput: null,
        ttftP50: (ttftP99[i] as number) * 0.7,
        ttftP99: ttftP99[i] as number,
        tpotP99: 14.7 - i * 2,
        itlP99: 22.4 - i * 3,
        completed: 1000,
        failed: i === 0 ? 12 : 0,
      },
      'scaling',
      { baseline: { status: 'new', verdicts: [], baselineUnderTest: null } },
    ),
  );
}

/** A closed-loop point with no swept variable and an odd name, to exercise escaping and empty columns. */
function smokePoint(): PointResult {
  return point(
    {
      test: 'closed loop | c=4 <smoke> *a_b*',
      x: null,
      xLabel: null,
      offeredRate: null,
      throughput: 7.31,
      goodput: null,
      ttftP50: 12.3,
      ttftP99: 33.0,
      tpotP99: 6.2,
      itlP99: 9.1,
      completed: 64,
      failed: 0,
    },
    'smoke & <edge> cases',
    {
      baseline: {
        status: 'missing',
        verdicts: [],
        baselineUnderTest: null,
        message: 'no baseline with hardware "simulated:NVIDIA H100 80GB HBM3 x1"; closest differs in model',
      },
    },
  );
}

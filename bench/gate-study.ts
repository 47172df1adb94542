import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CompareOptions, compareSamples, defaultCompareOptions } from '../src/baseline/compare.ts';
import type { BaselineSamples } from '../src/baseline/entry.ts';
import { gatePlan } from '../src/baseline/plan.ts';
import { samplesFromRecords } from '../src/baseline/samples.ts';
import { runLoad } from '../src/load/run-load.ts';
import { startSim } from '../src/sim/process.ts';
import { simLatenessProbe } from '../src/telemetry/sim-lateness.ts';
import { type Host, hostsFlag, positive } from './flags.ts';
import { backgroundLoadPct, busyNeighbours, percentInterval } from './host-load.ts';

/**
 * How often does the per-point baseline gate cry wolf, and how often does it sleep? The gate runs
 * as a pull request runs it: one baseline run, then repeat runs, each on a freshly started
 * simulator with a different load seed (other arrivals and prompts, as two CI runs differ), and
 * every repeat compared with the baseline. Same server: each alarm is false (A/A). Server made
 * slower with --fault-slowdown: each alarm is a catch (power). Conditions interleave so that a
 * drift of the host's background load touches them alike; runs the client's lateness guard marks
 * invalid count as invalid, never as alarms, as the gate refuses to judge them.
 */

export interface GateStudyOptions {
  repeats: number;
  requests: number;
  rate: number;
  slowdowns: number[];
  hosts: Host[];
  /** Busy processes beside the study in the 'busy' host condition. */
  busyProcesses: number;
  simArgs: string[];
  model: string;
  inputLen: number;
  outputLen: number;
  compare: CompareOptions;
  out: string | null;
}

export const defaultGateStudyOptions: GateStudyOptions = {
  // Defaults fit ~10 minutes on 2 cores (26 runs of ~20 s); the full study is --repeats 20 (~40 min).
  repeats: 4,
  requests: 150,
  // The saturation suite's SLO point (p99 TTFT under 200 ms at 10 req/s): loaded, not saturated.
  rate: 10,
  slowdowns: [1.1, 1.2],
  hosts: ['idle', 'busy'],
  busyProcesses: 4,
  // The saturation suite's server (suites/saturation): Llama-3.1-8B on one simulated H100.
  simArgs: ['--model', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'H100', '--max-num-seqs', '48'],
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  inputLen: 1024,
  outputLen: 128,
  compare: defaultCompareOptions,
  out: 'results/bench/gate-study.json',
};

interface Run {
  host: Host;
  slowdown: number;
  seed: number;
  valid: boolean;
  invalidReasons: string[];
  samples: BaselineSamples;
  /** The run that others are compared with (one per host condition). */
  baseline: boolean;
  /**
   * Metrics the gate called regressed, by the host condition of the baseline compared with: a busy
   * run is also compared with the idle baseline, as a pull request on a busy runner would be.
   */
  regressed: Partial<Record<Host, string[]>>;
}

/** The load profile's default lateness limit, for the client and the simulator alike. */
const MAX_LATENESS_P99_MS = 10;

/** Slowdown 1 is the A/A condition. */
const conditionName = (slowdown: number) => (slowdown === 1 ? 'same server (A/A)' : `${slowdown}x slower`);

/** One load run on a fresh simulator. */
async function measure(options: GateStudyOptions, slowdown: number, seed: number) {
  const sim = await startSim([
    ...options.simArgs,
    '--fault-slowdown',
    String(slowdown),
    '--seed',
    String(seed),
  ]);
  try {
    // As suites do: a simulator that fell behind its model (a busy host) makes the run invalid.
    const probe = await simLatenessProbe(sim.url, { maxLatenessP99Ms: MAX_LATENESS_P99_MS });
    const result = await runLoad({
      baseUrl: sim.url,
      model: options.model,
      arrival: { kind: 'poisson', rate: options.rate },
      requests: options.requests,
      dataset: { name: 'random', input_len: options.inputLen, output_len: options.outputLen },
      seed,
      maxLatenessP99Ms: MAX_LATENESS_P99_MS,
    });
    const simReasons = await probe.stop();
    const invalidReasons = [...result.summary.invalid_reasons, ...simReasons];
    return {
      valid: invalidReasons.length === 0,
      invalidReasons,
      samples: samplesFromRecords(result.records),
    };
  } finally {
    await sim.stop();
  }
}

/** The baseline, re-measured (bounded) until the client judges the run valid. */
async function baselineRun(
  options: GateStudyOptions,
  host: Host,
  log: (line: string) => void,
): Promise<Run | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const seed = 1000 + attempt;
    const m = await measure(options, 1, seed);
    if (m.valid) return { host, slowdown: 1, seed, ...m, baseline: true, regressed: {} };
    log(`  baseline seed ${seed} invalid (${m.invalidReasons.join('; ')}); measuring again`);
  }
  return null;
}

export async function runGateStudy(
  log: (line: string) => void,
  overrides: Partial<GateStudyOptions> = {},
): Promise<Run[]> {
  const options = { ...defaultGateStudyOptions, ...overrides };
  const conditions = [1, ...options.slowdowns];
  const plan = gatePlan(options.requests, options.compare);
  log(
    `${options.repeats} repeats per condition, ${options.requests} requests at ${options.rate} req/s (Poisson, ` +
      `${options.inputLen} in / ${options.outputLen} out) on \`${options.simArgs.join(' ')}\`, a fresh simulator and ` +
      `a new load seed per run; tolerance ${JSON.stringify(options.compare.tolerance)}, ` +
      `${100 * options.compare.confidence}% intervals`,
  );
  log(`gate plan for ${options.requests} requests: judges ${plan.judged.join(', ')}`);
  for (const line of plan.notJudged) log(`  not judged: ${line}`);
  const runs: Run[] = [];
  const baselines: Partial<Record<Host, Run>> = {};
  for (const host of options.hosts) {
    const neighbours = host === 'busy' ? busyNeighbours(options.busyProcesses) : null;
    try {
      const background = await backgroundLoadPct(1000);
      log(
        `\nhost ${host}${neighbours ? ` (${options.busyProcesses} \`yes > /dev/null\` beside it)` : ''}: ` +
          `other processes used ${background === null ? '?' : background.toFixed(0)}% of one core before the runs`,
      );
      const baseline = await baselineRun(options, host, log);
      if (baseline) {
        runs.push(baseline);
        baselines[host] = baseline;
      } else if (Object.keys(baselines).length === 0) {
        log('  no valid baseline in 3 attempts and none from another host condition: not studied');
        continue;
      } else log('  no valid baseline in 3 attempts: its runs are compared with the other baseline only');
      for (let i = 0; i < options.repeats; i++) {
        for (const slowdown of conditions) {
          const seed = 2000 + 100 * i + conditions.indexOf(slowdown);
          const m = await measure(options, slowdown, seed);
          const run: Run = { host, slowdown, seed, ...m, baseline: false, regressed: {} };
          // The gate refuses invalid runs: they count as invalid, never as alarms. What it would
          // have said of them is kept apart, to show what the lateness checks save.
          for (const [against, base] of Object.entries(baselines) as [Host, Run][]) {
            const verdicts = compareSamples(base.samples, m.samples, options.compare);
            run.regressed[against] = verdicts.filter((v) => v.verdict === 'regressed').map((v) => v.metric);
          }
          runs.push(run);
          const alarms = run.regressed[host] ?? Object.values(run.regressed)[0] ?? [];
          const said = alarms.length > 0 ? `ALARM ${alarms.join(',')}` : 'pass';
          const outcome = m.valid
            ? said
            : `INVALID (${m.invalidReasons.map((r) => r.split(':')[0]).join('; ')}; unjudged it would read: ${said})`;
          log(`  ${conditionName(slowdown).padEnd(17)} seed ${seed}: ${outcome}`);
        }
      }
    } finally {
      await neighbours?.stop();
    }
  }
  report(runs, options, conditions, log);
  if (options.out) {
    await mkdir(join(options.out, '..'), { recursive: true });
    await writeFile(options.out, `${JSON.stringify({ options, runs }, null, 1)}\n`);
    log(`\nraw runs (samples included): ${options.out}`);
  }
  return runs;
}

function report(
  runs: readonly Run[],
  options: GateStudyOptions,
  conditions: number[],
  log: (l: string) => void,
) {
  log(
    '\n| host | baseline | condition | valid runs | alarms | rate (95% CI) | goal | metrics that alarmed | invalid runs (alarms had they been judged) |',
  );
  log('|---|---|---|--:|--:|---|---|---|--:|');
  for (const host of options.hosts) {
    for (const against of options.hosts) {
      for (const slowdown of conditions) {
        const repeats = runs.filter((r) => r.host === host && r.slowdown === slowdown && !r.baseline);
        const compared = repeats.filter((r) => r.regressed[against]);
        if (compared.length === 0) continue;
        const valid = compared.filter((r) => r.valid);
        const invalid = compared.filter((r) => !r.valid);
        const invalidAlarms = invalid.filter((r) => (r.regressed[against] ?? []).length > 0).length;
        const alarms = valid.filter((r) => (r.regressed[against] ?? []).length > 0);
        const [lo, hi] = percentInterval(alarms.length, valid.length);
        const which = new Map<string, number>();
        for (const r of alarms)
          for (const m of r.regressed[against] ?? []) which.set(m, (which.get(m) ?? 0) + 1);
        const rate = valid.length ? `${((100 * alarms.length) / valid.length).toFixed(0)}%` : '—';
        log(
          `| ${host} | ${against} | ${conditionName(slowdown)} | ${valid.length} | ${alarms.length} | ` +
            `${rate} [${lo.toFixed(0)}, ${hi.toFixed(0)}] | ` +
            `${slowdown === 1 ? 'false alarms <= 1%' : slowdown <= 1.1 ? 'power >= 90%' : '—'} | ` +
            `${[...which].map(([m, n]) => `${m} ${n}`).join(', ') || '—'} | ${invalid.length} (${invalidAlarms}) |`,
        );
      }
    }
  }
}

const flags = {
  repeats: { type: 'string' },
  requests: { type: 'string' },
  rate: { type: 'string' },
  slowdowns: { type: 'string' },
  hosts: { type: 'string' },
  out: { type: 'string' },
} as const;

/** Flags (`--repeats 20 --requests 300 --rate 15 --slowdowns 1.1,1.2 --hosts idle,busy`) to options. */
export function parseGateStudyArgs(argv: readonly string[]): Partial<GateStudyOptions> {
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  const out: Partial<GateStudyOptions> = {};
  if (values.repeats) out.repeats = positive('repeats', values.repeats, true);
  if (values.requests) out.requests = positive('requests', values.requests, true);
  if (values.rate) out.rate = positive('rate', values.rate, false);
  if (values.slowdowns !== undefined) {
    out.slowdowns = values.slowdowns
      .split(',')
      .filter(Boolean)
      .map((s) => positive('slowdowns', s, false));
    if (out.slowdowns.some((s) => s < 1)) throw new Error('--slowdowns: each must be >= 1');
  }
  if (values.hosts) out.hosts = hostsFlag(values.hosts);
  if (values.out !== undefined) out.out = values.out || null;
  return out;
}

if (import.meta.main) await runGateStudy((l) => console.log(l), parseGateStudyArgs(process.argv.slice(2)));

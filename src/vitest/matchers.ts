import { expect } from 'vitest';
import { z } from 'zod';
import { baselineGaps, compareSamples, defaultCompareOptions } from '../baseline/compare.ts';
import type { BaselineEntry } from '../baseline/entry.ts';
import { samplesFromRecords } from '../baseline/samples.ts';
import { BaselineError, describeEntryKey, type Lookup, lookupEntry, withHint } from '../baseline/store.ts';
import { toleranceSchema } from '../baseline/tolerance.ts';
import { parseConfig } from '../config/parse.ts';
import type { BaselineOutcome, Verdict } from '../report/schema.ts';
import type { ExperimentResult } from './api.ts';
import { baselineFileOf, baselinesDir, baselineUpdateMode, settleBaseline } from './baseline-run.ts';
import { isCapacityResult, matchCapacityBaseline } from './capacity-baseline.ts';
import { underTestOf } from './experiment-context.ts';
import { isServerSweepResult, matchServerSweepBaseline } from './server-sweep-baseline.ts';
import { checkSlo, formatSloTable, type Slo } from './slo.ts';

interface MatcherContext {
  task?: { meta: { servebench?: import('./meta.ts').PointMeta } };
}

const invalidMessage = (r: ExperimentResult) =>
  `the load run is invalid, so its numbers can't be trusted:\n${r.summary.invalid_reasons.map((x) => `  - ${x}`).join('\n')}`;

function asResult(received: unknown): ExperimentResult {
  const r = received as ExperimentResult;
  if (!r?.summary || !r.records || !r.key)
    throw new TypeError('expected the result of servebench runLoad(server, profile)');
  return r;
}

function toMeetSLO(this: MatcherContext, received: unknown, slo: Slo) {
  const result = asResult(received);
  if (!result.summary.valid) return { pass: false, message: () => invalidMessage(result) };
  const checks = checkSlo(slo, result.summary);
  const meta = this.task?.meta.servebench;
  if (meta) meta.slo = [...meta.slo, ...checks];
  const pass = checks.every((c) => c.pass);
  return {
    pass,
    message: () =>
      `${pass ? 'SLO met' : 'SLO not met'} (${result.experiment} › ${result.test}):\n${formatSloTable(checks, result.summary)}`,
  };
}

export interface BaselineOptions {
  /** Relative change tolerated per metric name, or `default` (>= 0; 0.1 allows 10 %). */
  tolerance?: Record<string, number>;
}

const baselineOptionsSchema = z.strictObject({ tolerance: toleranceSchema.optional() });

async function toMatchBaseline(this: MatcherContext, received: unknown, options: BaselineOptions = {}) {
  const parsedOptions = parseConfig(baselineOptionsSchema, options ?? {}, 'toMatchBaseline() options');
  if (isCapacityResult(received)) return matchCapacityBaseline(received, this.task?.meta.servebench);
  if (isServerSweepResult(received)) return matchServerSweepBaseline(received, this.task?.meta.servebench);
  const result = asResult(received);
  if (!result.summary.valid) return { pass: false, message: () => invalidMessage(result) };
  const mode = baselineUpdateMode();
  const path = baselineFileOf(result.key);
  const samples = samplesFromRecords(result.records);
  const candidate: BaselineEntry = {
    key: result.key,
    underTest: underTestOf(result.server),
    recordedAt: new Date().toISOString(),
    summary: headline(result.summary),
    samples,
  };
  const meta = this.task?.meta.servebench;
  const settle = settleBaseline(meta);
  /** A baseline that cannot judge this run fails the test with the file, entry and field named. */
  const unusable = (error: BaselineError, baselineUnderTest: BaselineOutcome['baselineUnderTest']) => {
    settle({ status: 'unusable', verdicts: [], baselineUnderTest, message: error.message }, null);
    return withHint(error);
  };
  let lookup: Lookup;
  try {
    lookup = await lookupEntry(path, result.key, mode);
  } catch (error) {
    throw error instanceof BaselineError ? unusable(error, null) : error;
  }

  if (mode === 'all') {
    settle(
      { status: 'updated', verdicts: [], baselineUnderTest: lookup.entry?.underTest ?? null },
      candidate,
    );
    return { pass: true, message: () => 'baseline re-recorded (-u)' };
  }
  if (!lookup.entry) {
    const near = lookup.nearest
      ? `\nnearest baseline differs in:\n  ${lookup.nearest.differing.join('\n  ')}`
      : '';
    if (mode === 'none') {
      const message = `no baseline for ${result.experiment} › ${result.test} on ${result.key.hardware} in ${path}${near}\nrecord one with: npx vitest run ${result.server.target === 'sim' ? '' : '<suite> '}-u (and commit ${baselinesDir()})`;
      settle({ status: 'missing', verdicts: [], baselineUnderTest: null, message }, null);
      return { pass: false, message: () => message };
    }
    settle({ status: 'new', verdicts: [], baselineUnderTest: null }, candidate);
    return { pass: true, message: () => 'new baseline recorded' };
  }

  const tolerance = {
    ...defaultCompareOptions.tolerance,
    ...JSON.parse(process.env.SERVEBENCH_TOLERANCE ?? '{}'),
    ...parsedOptions.tolerance,
  };
  const entryName = `entry ${lookup.index} (${describeEntryKey(lookup.entry.key)})`;
  if (!lookup.entry.samples) {
    throw unusable(
      new BaselineError(
        `baseline file ${path}: ${entryName} holds ${lookup.entry.capacity ? 'a capacity answer' : 'a server sweep'}, not the load samples this point compares with`,
        're-record it with `npx vitest run -u`',
      ),
      lookup.entry.underTest,
    );
  }
  // A baseline that cannot judge what this run can is an error, never a pass.
  const gaps = baselineGaps(lookup.entry.samples, samples);
  if (gaps.length > 0) {
    const fields = [...new Set(gaps.map((g) => g.field))].map((field) => {
      const gap = gaps.filter((g) => g.field === field);
      return `field 'samples.${field}': ${(gap[0] as (typeof gaps)[number]).reason} (cannot judge ${gap.map((g) => g.metric).join(', ')})`;
    });
    throw unusable(
      new BaselineError(
        `baseline file ${path}: ${entryName} cannot judge this run:\n  ${fields.join('\n  ')}`,
        're-record it with `npx vitest run -u` (which replaces the entry), or restore the file from git',
      ),
      lookup.entry.underTest,
    );
  }
  const verdicts = compareSamples(lookup.entry.samples, samples, { ...defaultCompareOptions, tolerance });
  const regressed = verdicts.some((v) => v.verdict === 'regressed');
  settle(
    { status: regressed ? 'regressed' : 'matched', verdicts, baselineUnderTest: lookup.entry.underTest },
    null,
  );
  return {
    pass: !regressed,
    message: () =>
      `${regressed ? 'regression against the baseline' : 'matches the baseline'} (${result.experiment} › ${result.test}, ${path}):\n` +
      formatVerdicts(verdicts) +
      underTestDiff(lookup.entry as BaselineEntry, candidate),
  };
}

function headline(summary: Record<string, unknown>): Record<string, number> {
  const keys = [
    'request_throughput',
    'output_throughput',
    'p50_ttft_ms',
    'p99_ttft_ms',
    'p50_tpot_ms',
    'p99_tpot_ms',
    'p99_itl_ms',
    'p99_e2el_ms',
    'completed',
    'failed',
  ];
  return Object.fromEntries(
    keys
      .filter((k) => typeof summary[k] === 'number')
      .map((k) => [k, Math.round((summary[k] as number) * 100) / 100]),
  );
}

export function formatVerdicts(verdicts: readonly Verdict[]): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
  const levels = [...new Set(verdicts.filter((v) => v.ci).map((v) => v.confidence ?? 0.95))];
  const rows = verdicts.map((v) => [
    v.metric,
    v.baseline.toFixed(2),
    v.current.toFixed(2),
    pct(v.change),
    v.ci
      ? `[${pct(v.ci[0])}, ${pct(v.ci[1])}]${levels.length > 1 ? ` (${100 * (v.confidence ?? 0.95)}%)` : ''}`
      : '',
    `±${(100 * v.tolerance).toFixed(0)}%`,
    v.verdict === 'insufficient-samples' ? 'NOT JUDGED' : v.verdict.toUpperCase(),
  ]);
  const ci = levels.length === 1 ? `${100 * (levels[0] as number)}% CI` : 'CI';
  const header = ['metric', 'baseline', 'measured', 'change', ci, 'tolerance', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const table = [header, ...rows].map(
    (r) => `  ${r.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}`,
  );
  const notes = verdicts.flatMap((v) => (v.note ? [`  ${v.note}`] : []));
  return [...table, ...notes].join('\n');
}

function underTestDiff(baseline: BaselineEntry, current: BaselineEntry): string {
  const lines: string[] = [];
  if (baseline.underTest.server !== current.underTest.server) {
    lines.push(`  server: ${baseline.underTest.server} -> ${current.underTest.server}`);
  }
  const a = baseline.underTest.serverArgs.join(' ');
  const b = current.underTest.serverArgs.join(' ');
  if (a !== b) lines.push(`  server args: '${a}' -> '${b}'`);
  return lines.length ? `\nwhat changed under test:\n${lines.join('\n')}` : '';
}

expect.extend({ toMeetSLO, toMatchBaseline });

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> {
    /** Passes when every SLO limit holds on a valid run (TTFT/E2EL queue-inclusive unless `latency: 'sent'`); the message lists metric, target, measured, CI, verdict. */
    toMeetSLO(slo: Slo): R;
    /** Compares with the stored baseline (tolerance AND significance); records one per update mode. Await it. */
    toMatchBaseline(options?: BaselineOptions): Promise<void>;
  }
}

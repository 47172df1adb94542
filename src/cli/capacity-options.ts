import { type Command, Option } from 'commander';
import { capacitySearchSchema, capacitySloSchema } from '../capacity/spec.ts';
import * as parse from './flag-parsers.ts';
import {
  addArrivalOptions,
  addClientOptions,
  addDatasetOptions,
  addPerRunResultOptions,
  addRequestOptions,
  addResultOptions,
  addServerOptions,
  addTrafficOptions,
  goodputOption,
  type RunFlags,
} from './run-options.ts';

/** Defaults come from the engine's schemas, so the help shows what the search will use. */
const searchDefaults = capacitySearchSchema.parse({});
const sloShape = capacitySloSchema.shape;

/**
 * The flags of `servebench capacity`: `run`'s server, arrival, dataset, request, result and
 * client flags, the SLO, and the search. `run`'s traffic flags (--request-rate,
 * --max-concurrency, --num-prompts, ...) are there but hidden: the search sets them, and
 * capacity-checks.ts rejects them by name.
 */
export function addCapacityOptions(cmd: Command): Command {
  addServerOptions(cmd);
  addTrafficOptions(cmd, true);
  addArrivalOptions(cmd);
  cmd
    .optionsGroup('SLO:')
    .addOption(goodputOption('per-request limits in ms, e.g. ttft:200 tpot:50 e2el:2000'))
    .option(
      '--slo-attainment <share>',
      'share of requests that must meet every --goodput limit',
      parse.openShare,
      sloShape.attainment.parse(undefined),
    )
    .option(
      '--slo-percentile <pNN_metric:ms...>',
      'percentile limits, e.g. p99_ttft:200 p50_tpot:40 (p50, p75, p90, p95, p99, p99.9 of ttft, tpot, e2el)',
      parse.sloPercentile,
    )
    .option('--max-error-rate <share>', 'largest share of failed requests, e.g. 0.01', parse.shareBelowOne)
    .addOption(
      new Option(
        '--slo-latency <from>',
        "latency judged from when a request was due ('queued': its wait included) or when it was sent (vLLM's)",
      )
        .choices(['queued', 'sent'])
        .default(sloShape.latency.parse(undefined)),
    )
    .optionsGroup('Search:')
    .addOption(
      new Option('--search <variable>', 'the swept load: open-loop request rate, or closed-loop users')
        .choices(['request-rate', 'concurrency'])
        .default(searchDefaults.variable),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        "'search': bracket then refine; 'adaptive': raise the load window by window on the warm server",
      )
        .choices(['search', 'adaptive'])
        .default(searchDefaults.mode),
    )
    .option(
      '--precision <share>',
      'stop when the bracket is this narrow, relative to its lower end',
      parse.openShare,
      searchDefaults.precision,
    )
    .option('--max-probes <n>', 'stop after this many load runs', parse.positiveInt, searchDefaults.maxProbes)
    .option(
      '--start <load>',
      'first load tried, req/s or users (default: request rate from a saturating probe, else 1)',
      parse.positiveNumber,
    )
    .option(
      '--max-load <load>',
      'highest load ever offered (req/s or users)',
      parse.positiveNumber,
      searchDefaults.max,
    )
    .option(
      '--min-requests <n>',
      'fewest judged requests per probe',
      parse.positiveInt,
      searchDefaults.minRequests,
    )
    .option(
      '--max-requests <n>',
      'judged requests an undecided probe may be lengthened to',
      parse.positiveInt,
      searchDefaults.maxRequests,
    )
    .option(
      '--confirm <load>',
      'no search: check that this one load meets the SLO (exit 0 if it does, 2 if not)',
      parse.positiveNumber,
    );
  addDatasetOptions(cmd);
  addRequestOptions(cmd);
  addResultOptions(cmd, false);
  addPerRunResultOptions(cmd, true);
  return addClientOptions(cmd);
}

/** What commander hands the capacity action, typed. */
export interface CapacityFlags extends RunFlags {
  sloAttainment: number;
  sloPercentile?: parse.PercentileSlo;
  maxErrorRate?: number;
  sloLatency: 'queued' | 'sent';
  search: 'request-rate' | 'concurrency';
  mode: 'search' | 'adaptive';
  precision: number;
  maxProbes: number;
  start?: number;
  maxLoad: number;
  minRequests: number;
  maxRequests: number;
  confirm?: number;
}

/** Whether the user typed a flag (as opposed to its default); keys as in CapacityFlags. */
export type CapacityGiven = (key: keyof CapacityFlags) => boolean;

export const capacityGivenIn =
  (cmd: Command): CapacityGiven =>
  (key) =>
    cmd.getOptionValueSource(key) === 'cli';

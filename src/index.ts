/**
 * `servebench`: the Vitest side. The plugin for vitest.config.ts, and for suites the experiment
 * API (`useServer`, `startServer`, `runLoad`, `runCapacity`, `runConcurrencySweep`, `runServerSweep`) with the `toMeetSLO` / `toMatchBaseline` matchers.
 * The load engine alone is `servebench/load`; the simulator is `servebench/sim`.
 */
import './runtime/supported-node.ts';

export { type GatePlan, type GatePlanEntry, gatePlan } from './baseline/plan.ts';
export type { ConcurrencyLevel, ConcurrencySweepResult } from './capacity/concurrency-sweep.ts';
export type { CapacityProbe, CapacityResult } from './capacity/result.ts';
export type { ServerSweepPoint, ServerSweepResult } from './capacity/server-sweep.ts';
export type { CapacitySearchInput, CapacitySloInput } from './capacity/spec.ts';
export type { LoadProfileInput } from './config/load-profile.ts';
export type { PluginOptionsInput } from './config/plugin-options.ts';
export type { ServerSpecInput } from './config/server-spec.ts';
export { ConfigError, type ErrorCode, errorCodes, ServebenchError } from './core/errors.ts';
export type { DatasetSpecInput } from './datasets/spec.ts';
export type { BenchmarkSummary } from './metrics/summarize.ts';
export {
  type ExperimentProfile,
  type ExperimentResult,
  type PointOptions,
  runLoad,
  type ServerHandle,
  startServer,
  startServers,
  useServer,
} from './vitest/api.ts';
export {
  type CapacityExperiment,
  type CapacityExperimentResult,
  runCapacity,
} from './vitest/capacity.ts';
export {
  type ConcurrencySweep,
  type ConcurrencySweepExperimentResult,
  runConcurrencySweep,
} from './vitest/concurrency.ts';
export type { BaselineOptions } from './vitest/matchers.ts';
export { servebench } from './vitest/plugin.ts';
export {
  runServerSweep,
  type ServerSweep,
  type ServerSweepExperimentResult,
} from './vitest/server-sweep.ts';
export type { Slo } from './vitest/slo.ts';

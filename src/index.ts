/** servebench's public API: the Vitest plugin, the experiment API and the load engine. */
export {
  type Arrival,
  type LoadProfile,
  type LoadProfileInput,
  loadProfileSchema,
} from './config/load-profile.ts';
export type { PluginOptionsInput } from './config/plugin-options.ts';
export type { ServerSpecInput } from './config/server-spec.ts';
export { createDataset, type Dataset, DatasetError, type DatasetSpecInput } from './datasets/index.ts';
export { ConfigError, RequestFailure, requestFailure } from './load/errors.ts';
/** The load engine on its own: any OpenAI-compatible URL, no Vitest needed. */
export { type LoadResult, type RunOptions, runLoad as runLoadProfile } from './load/run-load.ts';
export { type RequestRecord, requestRecordSchema } from './metrics/record.ts';
export { type BenchmarkSummary, type SummaryOptions, summarize } from './metrics/summarize.ts';
export {
  type ExperimentResult,
  type PointOptions,
  runLoad,
  type ServerHandle,
  startServer,
  useServer,
} from './vitest/api.ts';
export type { BaselineOptions } from './vitest/matchers.ts';
export { servebench } from './vitest/plugin.ts';
export type { Slo } from './vitest/slo.ts';

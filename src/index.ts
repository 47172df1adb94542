/** servebench's public API. */
export {
  type Arrival,
  type LoadProfile,
  type LoadProfileInput,
  loadProfileSchema,
} from './config/load-profile.ts';
export { createDataset, type Dataset, DatasetError, type DatasetSpecInput } from './datasets/index.ts';
export { ConfigError, RequestFailure, requestFailure } from './load/errors.ts';
export { type LoadResult, type RunOptions, runLoad } from './load/run-load.ts';
export { type RequestRecord, requestRecordSchema } from './metrics/record.ts';
export { type BenchmarkSummary, type SummaryOptions, summarize } from './metrics/summarize.ts';

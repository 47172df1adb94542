/**
 * `servebench/load`: the load engine on its own, against any OpenAI-compatible URL, no Vitest
 * needed. Profiles, datasets, raw records and vLLM-compatible summaries.
 */
import '../runtime/supported-node.ts';

export { loadLimits } from '../config/load-limits.ts';
export {
  type Arrival,
  type LoadProfile,
  type LoadProfileInput,
  loadProfileSchema,
} from '../config/load-profile.ts';
export { ConfigError, RequestFailure, type RequestFailureCode, requestFailure } from '../core/errors.ts';
export { createDataset, type Dataset, DatasetError, type DatasetSpecInput } from '../datasets/index.ts';
export { type RequestRecord, requestRecordSchema } from '../metrics/record.ts';
export { jsonlChunks, readJsonl as readRecords, toJsonl } from '../metrics/record-files.ts';
export { type BenchmarkSummary, type SummaryOptions, summarize } from '../metrics/summarize.ts';
export { type LoadResult, type RunOptions, runLoad as runLoadProfile } from './run-load.ts';

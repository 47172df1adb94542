import type { ResultsFile } from '../report/schema.ts';
import type { RunStamp } from './meta.ts';

export type RunFields = Pick<ResultsFile, 'startedAt' | 'finishedAt' | 'target' | 'targetReason' | 'gpus'>;

const distinct = (values: readonly string[]) => [...new Set(values)];

/**
 * The run-level fields of results.json from the stamps of the modules that ran, in one process or
 * in several shards (merged): the earliest start, the latest finish, every target, reason and GPU.
 */
export function runFields(stamps: readonly RunStamp[]): RunFields {
  if (stamps.length === 0) {
    const now = new Date().toISOString();
    const reason = 'not recorded: the reports carry no servebench run stamp';
    return { startedAt: now, finishedAt: now, target: 'unknown', targetReason: reason, gpus: [] };
  }
  // ISO 8601 strings from toISOString() sort as the times they name.
  const starts = stamps.map((s) => s.startedAt).sort();
  const ends = stamps.map((s) => s.finishedAt).sort();
  const shards = distinct(stamps.flatMap((s) => s.shard ?? [])).sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  const reason = distinct(stamps.map((s) => s.targetReason)).join('; ');
  return {
    startedAt: starts[0] as string,
    finishedAt: ends[ends.length - 1] as string,
    target: distinct(stamps.map((s) => s.target)).join(', '),
    targetReason:
      shards.length > 0 ? `${reason} (shard${shards.length > 1 ? 's' : ''} ${shards.join(', ')})` : reason,
    gpus: distinct(stamps.flatMap((s) => s.gpus)),
  };
}

import { ServebenchError } from '../core/errors.ts';

/** A results or report file (results.json, summary.md, a chart, raw records) that cannot be written. */
export class ResultsError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SB_RESULTS', message, hint, options);
  }
}

/** One output that was not written, with where it should have gone and why. */
export interface WriteFailure {
  /** What it is: `results.json`, `summary.md`, `chart`, `job summary`, `baseline`. */
  what: string;
  path: string;
  error: Error;
}

/** `error: results.json: /x/results/results.json: EACCES: permission denied` lines, one per failure. */
export function describeFailures(failures: readonly WriteFailure[]): string {
  return failures.map((f) => `  - ${f.what}: ${f.path}: ${f.error.message.split('\n')[0]}`).join('\n');
}

import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { unused } from './result-files.ts';

/**
 * The result file name when `--result-filename` is not given, in the manner of vLLM's:
 * `{label}-capacity-{variable}-{model}-{date}.json`.
 */
export function capacityResultFilename(p: {
  label: string | undefined;
  backend: string;
  variable: 'request-rate' | 'concurrency';
  modelId: string;
  date: string;
}): string {
  return `${p.label || p.backend}-capacity-${p.variable}-${p.modelId.split('/').pop()}-${p.date}.json`;
}

export interface CapacityOutputPlan {
  /** The result JSON, or null when no result is saved. */
  resultPath: string | null;
  /** A fresh path for the raw records of the index-th load run. */
  probePath(index: number): string;
  /** How the result refers to a records file: relative to the result when saved, else absolute. */
  reference(path: string): string;
}

/**
 * Where files go, as for `run` (see planOutputs): the result JSON in `--result-dir` under
 * `--result-filename` or the default name; each load run's raw records as `<stem>-probe-<i>.jsonl`
 * beside it, or, with no result saved, in `--result-dir` or `$TMPDIR/servebench/`. A records
 * file never replaces an existing one (`-2`, `-3`, ... appended), so a search can be rerun under
 * the same name without losing the records an earlier result points to.
 */
export function planCapacityOutputs(o: {
  save: boolean;
  resultDir: string | undefined;
  resultFilename: string | undefined;
  defaultName: string;
}): CapacityOutputPlan {
  const name = o.resultFilename ?? o.defaultName;
  const stem = (path: string) => path.replace(/\.json$/, '');
  if (o.save) {
    const resultPath = resolve(o.resultDir ?? '.', name);
    return {
      resultPath,
      probePath: (index) => unused(`${stem(resultPath)}-probe-${index}`),
      reference: (path) => relative(dirname(resultPath), path),
    };
  }
  const dir = resolve(o.resultDir ?? join(tmpdir(), 'servebench'));
  return {
    resultPath: null,
    probePath: (index) => unused(join(dir, `${stem(basename(name))}-probe-${index}`)),
    reference: (path) => path,
  };
}

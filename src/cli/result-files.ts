import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { unwritableReason, updateFileLocked, writeFileAtomic } from '../core/write-atomic.ts';
import { ResultsError } from '../report/errors.ts';

/** vLLM's `date` (and file-name stamp): local time as `%Y%m%d-%H%M%S`. */
export function vllmDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}${two(d.getMonth() + 1)}${two(d.getDate())}-` +
    `${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`
  );
}

/** A number as Python's `str(float)` writes it for the usual rates: 8 -> "8.0", inf -> "inf". */
export function pyFloat(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return n.toFixed(1);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

export interface FileNameParts {
  label: string | undefined;
  backend: string;
  requestRate: number | null;
  ramp: { strategy: string; startRps: number; endRps: number } | null;
  maxConcurrency: number | null;
  modelId: string;
  date: string;
}

/**
 * vLLM's result file name when `--result-filename` is not given:
 * `{label}-{rate}qps[-concurrency{N}]-{model}-{date}.json`, or for a ramp
 * `{label}-ramp-up-{strategy}-{start}qps-{end}qps[-concurrency{N}]-{model}-{date}.json`.
 */
export function defaultResultFilename(p: FileNameParts): string {
  const label = p.label || p.backend;
  const concurrency = p.maxConcurrency === null ? '' : `-concurrency${p.maxConcurrency}`;
  const model = p.modelId.split('/').pop();
  const traffic = p.ramp
    ? `ramp-up-${p.ramp.strategy}-${p.ramp.startRps}qps-${p.ramp.endRps}qps`
    : `${p.requestRate === null ? 'none' : pyFloat(p.requestRate)}qps`;
  return `${label}-${traffic}${concurrency}-${model}-${p.date}.json`;
}

export interface OutputPlan {
  /** The result JSON, or null when no result is saved. */
  resultPath: string | null;
  append: boolean;
  /** The raw records (JSONL). */
  rawPath: string;
}

/**
 * Where files go. The result JSON: `--result-filename` (default: vLLM's name) inside
 * `--result-dir` (default: the working directory); an absolute `--result-filename` is used as
 * is, as vLLM's os.path.join does. The raw records go beside it as `<stem>.jsonl`
 * (`<stem>-<date>.jsonl` when appending: one file per run). With no result saved, they go to
 * `--result-dir` when given, else to `$TMPDIR/servebench/`: never loose in the working directory,
 * and never over an earlier run's records.
 */
export function planOutputs(o: {
  save: boolean;
  append: boolean;
  resultDir: string | undefined;
  resultFilename: string | undefined;
  defaultName: string;
  date: string;
}): OutputPlan {
  const name = o.resultFilename ?? o.defaultName;
  const stem = (path: string) => path.replace(/\.json$/, '');
  if (o.save || o.append) {
    const resultPath = resolve(o.resultDir ?? '.', name);
    const rawPath = o.append ? unused(`${stem(resultPath)}-${o.date}`) : `${stem(resultPath)}.jsonl`;
    return { resultPath, append: o.append, rawPath };
  }
  const dir = resolve(o.resultDir ?? join(tmpdir(), 'servebench'));
  return { resultPath: null, append: false, rawPath: unused(join(dir, stem(basename(name)))) };
}

/** `<base>.jsonl`, or `<base>-2.jsonl`, ... when taken (two runs in one second share a name). */
export function unused(base: string): string {
  let path = `${base}.jsonl`;
  for (let n = 2; existsSync(path); n++) path = `${base}-${n}.jsonl`;
  return path;
}

/**
 * Writes the result as one line of JSON. Appending (vLLM's `--append-result`) adds it as a new
 * line of an existing file, so a file of appended runs reads as JSON Lines: under the file's lock
 * and atomically, so two runs appending at once both keep their line and a crash leaves the file
 * as it was.
 */
export async function writeResultJson(path: string, doc: unknown, append: boolean): Promise<void> {
  const line = `${JSON.stringify(doc)}\n`;
  if (!append) return writeFileAtomic(path, line);
  await updateFileLocked(path, (current) =>
    current === null || current === '' ? line : `${current}${current.endsWith('\n') ? '' : '\n'}${line}`,
  );
}

/**
 * The directories a `run` or `capacity` command will write into, known before it sends anything,
 * each with the flags that chose it: the result file's directory with --save-result or
 * --append-result (the raw records go beside it), else --result-dir or $TMPDIR/servebench.
 */
export function outputDirsOf(o: {
  save: boolean;
  append?: boolean;
  resultDir: string | undefined;
  resultFilename: string | undefined;
}): Array<{ dir: string; flags: string }> {
  if (o.save || o.append) {
    const flags = o.resultFilename?.includes('/') ? '--result-dir / --result-filename' : '--result-dir';
    return [{ dir: dirname(resolve(o.resultDir ?? '.', o.resultFilename ?? 'result.json')), flags }];
  }
  if (o.resultDir !== undefined) return [{ dir: resolve(o.resultDir), flags: '--result-dir' }];
  return [
    {
      dir: join(tmpdir(), 'servebench'),
      flags: '$TMPDIR (raw records go to $TMPDIR/servebench without --result-dir)',
    },
  ];
}

/**
 * Checks that each output directory can be written (created, a probe file written and removed)
 * before any request is sent: a run that cannot keep its records fails at once, naming the flag.
 */
export async function checkOutputDirs(dirs: ReadonlyArray<{ dir: string; flags: string }>): Promise<void> {
  for (const { dir, flags } of dirs) {
    const reason = await unwritableReason(dir);
    if (reason !== null)
      throw new ResultsError(
        `${flags}: cannot write to ${dir} (${reason})`,
        'give a directory this process can write to; nothing was sent to the server',
      );
  }
}

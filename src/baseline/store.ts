import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { ServebenchError } from '../core/errors.ts';
import { knownSecrets } from '../core/secrets.ts';
import { slugify } from '../core/slug.ts';
import { updateFileLocked } from '../core/write-atomic.ts';
import { type BaselineKey, baselineKeySchema } from '../report/schema.ts';
import {
  BASELINE_SCHEMA_VERSION,
  type BaselineEntry,
  type BaselineFile,
  baselineEntrySchema,
  baselineEntryV1Schema,
  baselineFileSchema,
  baselineFileV1Schema,
} from './entry.ts';

export class BaselineError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SB_BASELINE', message, hint, options);
  }
}

/** Vitest shows an error's message, not its other fields: in a test, the hint goes into the message. */
export function withHint(error: BaselineError): BaselineError {
  if (error.message.includes('\nhint: ')) return error;
  return new BaselineError(`${error.message}\nhint: ${error.hint}`, error.hint, { cause: error.cause });
}

/** One file per experiment point; entries inside it differ by hardware, model or profile. */
export const baselinePath = (dir: string, key: BaselineKey) =>
  join(dir, slugify(key.experiment), `${slugify(key.point)}.json`);

const RERECORD =
  're-record it with `npx vitest run -u` (which replaces the entry), or restore the file from git';

/** An entry as the messages name it: "fixture experiment › 10 req/s on simulated:H100 x1". */
export const describeEntryKey = (key: Partial<BaselineKey> | undefined) =>
  key ? `${key.experiment} › ${key.point} on ${key.hardware}` : 'no key';

/** The file's text, or null when there is none; anything else that stops reading is a BaselineError. */
async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const why: Record<string, string> = {
      EISDIR: 'it is a directory; expected the JSON file of one experiment point',
      ENOTDIR: 'a part of its path is a file, not a directory',
      EACCES: 'permission denied',
    };
    throw new BaselineError(
      `baseline file ${path}: cannot read it (${code ? `${code}: ` : ''}${why[code ?? ''] ?? (error as Error).message})`,
      'baselines live in the baselinesDir option as <experiment>/<point>.json: move what is in the way, or point baselinesDir elsewhere',
      { cause: error },
    );
  }
}

function parseJson(path: string, text: string): { schemaVersion?: unknown; entries?: unknown } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(
      `baseline file ${path} is not valid JSON: ${(error as Error).message}`,
      'fix it, restore it from git, or delete it and record it again with `npx vitest run -u`',
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== 1 && version !== BASELINE_SCHEMA_VERSION) {
    throw new BaselineError(
      `${path}: schemaVersion ${JSON.stringify(version)} is not one this servebench reads (1 or ${BASELINE_SCHEMA_VERSION})`,
      'upgrade servebench if a newer one wrote it, or re-record it with `npx vitest run -u`',
    );
  }
  return json as { schemaVersion: number; entries?: unknown };
}

/** "entry 0 (fixture experiment › 10 req/s on simulated:H100 x1), field 'samples.ttft'". */
function where(json: { entries?: unknown }, issue: z.core.$ZodIssue): string {
  const [first, index, ...field] = issue.path;
  if (first === 'entries' && typeof index === 'number') {
    const raw = (json.entries as Array<{ key?: BaselineKey }>)[index];
    const name = field.length > 0 ? `, field '${field.join('.')}'` : '';
    return `entry ${index} (${describeEntryKey(raw?.key)})${name}`;
  }
  return `field '${issue.path.join('.') || '(root)'}'`;
}

/**
 * Parses a baseline file's text. Entries are validated as well as typed: sample arrays need the
 * sizes and values that judge a run (entry.ts), so an emptied or zeroed baseline is an error here,
 * never a silent "matched". The message names the file, the entry and the field.
 */
export function parseBaselineText(path: string, text: string): BaselineFile {
  const json = parseJson(path, text);
  const parsed = (json.schemaVersion === 1 ? baselineFileV1Schema : baselineFileSchema).safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${where(json, i)}: ${i.message}`);
  const more = parsed.error.issues.length > 3 ? `\n  ... and ${parsed.error.issues.length - 3} more` : '';
  throw new BaselineError(
    `baseline file ${path} cannot judge a run:\n  ${issues.join('\n  ')}${more}`,
    `fix the file, or ${RERECORD}`,
  );
}

/** Reads a baseline file (none: no entries). Every problem is a BaselineError naming the file. */
export async function readBaselineFile(path: string): Promise<BaselineFile> {
  const text = await readText(path);
  if (text === null) return { schemaVersion: BASELINE_SCHEMA_VERSION, entries: [] };
  return parseBaselineText(path, text);
}

const keyFields = ['experiment', 'point', 'hardware', 'model', 'profile'] as const;
const sameKey = (a: BaselineKey, b: BaselineKey) => keyFields.every((f) => a[f] === b[f]);

export type Lookup =
  | { entry: BaselineEntry; index: number }
  | { entry: null; nearest: { entry: BaselineEntry; differing: string[] } | null };

/** The entry with this exact key, or the nearest one and the key fields that differ. */
export function findEntry(file: BaselineFile, key: BaselineKey): Lookup {
  const index = file.entries.findIndex((e) => sameKey(e.key, key));
  if (index >= 0) return { entry: file.entries[index] as BaselineEntry, index };
  let nearest: { entry: BaselineEntry; differing: string[] } | null = null;
  for (const entry of file.entries) {
    const differing = keyFields
      .filter((f) => entry.key[f] !== key[f])
      .map((f) => `${f}: baseline '${entry.key[f]}' vs this run '${key[f]}'`);
    if (!nearest || differing.length < nearest.differing.length) nearest = { entry, differing };
  }
  return { entry: null, nearest };
}

/**
 * The entry for `key` in the baseline file at `path`. In update mode (`all`, i.e. `-u`) a file that
 * cannot be read or judged counts as holding none: re-recording is how a broken baseline gets
 * fixed, so it must not stop on it.
 */
export async function lookupEntry(
  path: string,
  key: BaselineKey,
  mode: 'all' | 'new' | 'none',
): Promise<Lookup> {
  try {
    return findEntry(await readBaselineFile(path), key);
  } catch (error) {
    if (mode === 'all' && error instanceof BaselineError) return { entry: null, nearest: null };
    throw error;
  }
}

/**
 * The file's entries with `entry` added or replacing the one of the same key. The entry being
 * replaced may be broken (that is what `-u` is for); other entries are kept as they are, broken or
 * not, so that re-recording one point never drops another's. Only a file that is not JSON (or of
 * an unknown version) stops the merge: its entries could not be kept.
 */
function mergeEntry(path: string, text: string | null, entry: BaselineEntry): string {
  const json =
    text === null ? { schemaVersion: BASELINE_SCHEMA_VERSION, entries: [] } : parseJson(path, text);
  if (!Array.isArray(json.entries)) {
    throw new BaselineError(
      `baseline file ${path}: field 'entries' is not an array; cannot add ${describeEntryKey(entry.key)} without losing what the file holds`,
      'fix it, restore it from git, or delete it and record it again with `npx vitest run -u`',
    );
  }
  const entrySchema = json.schemaVersion === 1 ? baselineEntryV1Schema : baselineEntrySchema;
  const kept: unknown[] = [];
  for (const raw of json.entries as unknown[]) {
    const key = baselineKeySchema.safeParse((raw as { key?: unknown } | null)?.key);
    if (key.success && sameKey(key.data, entry.key)) continue;
    const parsed = entrySchema.safeParse(raw);
    kept.push(parsed.success ? parsed.data : raw);
  }
  const keyOf = (e: unknown) => JSON.stringify((e as { key?: unknown } | null)?.key ?? null);
  const entries = [...kept, entry].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return `${stableStringify({ schemaVersion: BASELINE_SCHEMA_VERSION, entries })}\n`;
}

/**
 * Adds or replaces the entry with the same key: sorted keys, written atomically under the file's
 * lock, so two runs recording entries of one point at once both keep theirs.
 */
export async function writeEntry(dir: string, recorded: BaselineEntry): Promise<string> {
  // Baselines are committed: no secret (a server argument, a variable's value) may reach one.
  const entry = knownSecrets().maskDeep(recorded);
  const path = baselinePath(dir, entry.key);
  await updateFileLocked(path, (text) => mergeEntry(path, text, entry)).catch((error: unknown) => {
    if (error instanceof ServebenchError) throw error;
    throw new BaselineError(
      `baseline file ${path}: cannot write the entry for ${describeEntryKey(entry.key)} (${(error as Error).message})`,
      'check that the baselinesDir option names a writable directory',
      { cause: error },
    );
  });
  return path;
}

export interface WrittenEntries {
  written: string[];
  /** Entries that could not be written, each with its file and why; the others are written regardless. */
  failed: Array<{ path: string; error: Error }>;
}

/** Writes entries one after another (two entries of one point share a file); one failure stops none of the others. */
export async function writeEntries(dir: string, entries: readonly BaselineEntry[]): Promise<WrittenEntries> {
  const result: WrittenEntries = { written: [], failed: [] };
  for (const entry of entries) {
    await writeEntry(dir, entry).then(
      (path) => result.written.push(path),
      (error: Error) => result.failed.push({ path: baselinePath(dir, entry.key), error }),
    );
  }
  return result;
}

/** JSON with object keys sorted at every level, two-space indented: diffs stay small and stable. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
    2,
  );
}

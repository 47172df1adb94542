import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServebenchError } from '../core/errors.ts';
import { slugify } from '../core/slug.ts';
import { writeFileAtomic } from '../core/write-atomic.ts';
import type { BaselineKey } from '../report/schema.ts';
import {
  BASELINE_SCHEMA_VERSION,
  type BaselineEntry,
  type BaselineFile,
  baselineFileSchema,
  baselineFileV1Schema,
} from './entry.ts';

export class BaselineError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SB_BASELINE', message, hint, options);
  }
}

/** One file per experiment point; entries inside it differ by hardware, model or profile. */
export const baselinePath = (dir: string, key: BaselineKey) =>
  join(dir, slugify(key.experiment), `${slugify(key.point)}.json`);

export async function readBaselineFile(path: string): Promise<BaselineFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { schemaVersion: BASELINE_SCHEMA_VERSION, entries: [] };
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(
      `${path} is not valid JSON: ${(error as Error).message}`,
      're-record it with `npx vitest run -u`',
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== 1 && version !== BASELINE_SCHEMA_VERSION) {
    throw new BaselineError(
      `${path}: schemaVersion ${JSON.stringify(version)} is not one this servebench reads (1 or ${BASELINE_SCHEMA_VERSION})`,
      'upgrade servebench if a newer one wrote it, or re-record it with `npx vitest run -u`',
    );
  }
  const parsed = (version === 1 ? baselineFileV1Schema : baselineFileSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BaselineError(
      `${path}: field '${issue?.path.join('.')}' ${issue?.message}`,
      'fix the file or re-record it with `npx vitest run -u`',
    );
  }
  return parsed.data;
}

const keyFields = ['experiment', 'point', 'hardware', 'model', 'profile'] as const;
const sameKey = (a: BaselineKey, b: BaselineKey) => keyFields.every((f) => a[f] === b[f]);

export type Lookup =
  | { entry: BaselineEntry }
  | { entry: null; nearest: { entry: BaselineEntry; differing: string[] } | null };

/** The entry with this exact key, or the nearest one and the key fields that differ. */
export function findEntry(file: BaselineFile, key: BaselineKey): Lookup {
  const exact = file.entries.find((e) => sameKey(e.key, key));
  if (exact) return { entry: exact };
  let nearest: { entry: BaselineEntry; differing: string[] } | null = null;
  for (const entry of file.entries) {
    const differing = keyFields
      .filter((f) => entry.key[f] !== key[f])
      .map((f) => `${f}: baseline '${entry.key[f]}' vs this run '${key[f]}'`);
    if (!nearest || differing.length < nearest.differing.length) nearest = { entry, differing };
  }
  return { entry: null, nearest };
}

/** Adds or replaces the entry with the same key; sorted keys, atomic rename. */
export async function writeEntry(dir: string, entry: BaselineEntry): Promise<string> {
  const path = baselinePath(dir, entry.key);
  const file = await readBaselineFile(path);
  const entries = [...file.entries.filter((e) => !sameKey(e.key, entry.key)), entry].sort((a, b) =>
    JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)),
  );
  await writeFileAtomic(path, `${stableStringify({ schemaVersion: BASELINE_SCHEMA_VERSION, entries })}\n`);
  return path;
}

/** Writes entries one after another: two entries of one point (say, two GPU models) share a file. */
export async function writeEntries(dir: string, entries: readonly BaselineEntry[]): Promise<string[]> {
  const written: string[] = [];
  for (const entry of entries) written.push(await writeEntry(dir, entry));
  return written;
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

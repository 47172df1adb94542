import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '../core/errors.ts';
import { type RequestRecord, requestRecordSchema } from './record.ts';

export const toJsonl = (records: readonly RequestRecord[]) =>
  `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** Records per piece of `jsonlChunks`: a few MB of text at most. */
const RECORDS_PER_CHUNK = 1000;

/**
 * The JSONL of `records` in pieces of RECORDS_PER_CHUNK lines, for writeFileAtomic: a long run's
 * file (200,000 records of 128 chunks are ~560 MB of JSON) is past the longest string V8 can make
 * (2^29 - 24 characters), so it is never built as one.
 */
export async function* jsonlChunks(records: readonly RequestRecord[]): AsyncGenerator<string> {
  for (let i = 0; i < records.length; i += RECORDS_PER_CHUNK) {
    yield toJsonl(records.slice(i, i + RECORDS_PER_CHUNK));
  }
}

/** Reads raw records; a bad line fails with its number and the field that is wrong. */
export async function readJsonl(path: string): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  let lineNumber = 0;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ConfigError(
          `${path}:${lineNumber}: not valid JSON`,
          'each line must be one request record object',
        );
      }
      const parsed = requestRecordSchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ConfigError(
          `${path}:${lineNumber}: field '${issue?.path.join('.') || '(record)'}' ${issue?.message ?? 'is invalid'}`,
          'see "Raw records" in the README for the record fields',
        );
      }
      records.push(parsed.data);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError(`cannot read ${path}: no such file`);
    }
    throw error;
  }
  if (records.length === 0) throw new ConfigError(`${path} holds no request records`);
  return records;
}

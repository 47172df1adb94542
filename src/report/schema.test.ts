import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsJsonSchema } from '../../scripts/results-schema.ts';

describe('results.json schema documentation', () => {
  it('docs/results.schema.json is generated from the current zod schema (run node scripts/results-schema.ts)', async () => {
    const committed = await readFile(join(import.meta.dirname, '../../docs/results.schema.json'), 'utf8');
    expect(committed).toBe(resultsJsonSchema());
  });
});

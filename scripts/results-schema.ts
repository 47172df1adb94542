/**
 * Writes docs/results.schema.json, the JSON Schema of results.json, generated from the zod schema
 * so the two cannot drift (a test checks the file is current). `node scripts/results-schema.ts`
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { resultsFileSchema } from '../src/report/schema.ts';

export const resultsJsonSchema = () =>
  `${JSON.stringify({ title: 'servebench results.json', ...z.toJSONSchema(resultsFileSchema) }, null, 2)}\n`;

if (import.meta.main) {
  const path = join(import.meta.dirname, '../docs/results.schema.json');
  writeFileSync(path, resultsJsonSchema());
  console.log(`wrote ${path}`);
}

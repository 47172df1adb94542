import { readFileSync } from 'node:fs';

/** servebench's version (recorded with simulated results: a new simulator is a new server). */
export const version: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

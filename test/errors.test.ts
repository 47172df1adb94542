import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, errorCodes, RequestFailure, ServebenchError } from '../src/core/errors.ts';
import { DatasetError } from '../src/datasets/errors.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Error classes that are not shown to a servebench user, and why. */
const notUserFacing: Record<string, string> = {
  // The simulator's HTTP error answer ({"error": ...} with a status), sent to its clients.
  'sim/http/errors.ts ApiError': 'an HTTP answer of the simulator, not an error servebench raises',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('one error base class with codes and hints', () => {
  it('every error class under src/ is a ServebenchError (or listed as not user-facing, with the reason)', () => {
    const plainErrors: string[] = [];
    for (const path of sources(join(root, 'src'))) {
      for (const m of readFileSync(path, 'utf8').matchAll(/class (\w+) extends (\w*Error)\b/g)) {
        const id = `${relative(join(root, 'src'), path)} ${m[1]}`;
        if (m[2] === 'Error' && m[1] !== 'ServebenchError' && !(id in notUserFacing)) plainErrors.push(id);
      }
    }
    expect(plainErrors).toEqual([]);
  });

  it('docs/errors.md lists every code with its meaning, and no other', () => {
    const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(errorCodes));
  });

  it('subclasses keep their code, hint, name and cause, and are matched by class', () => {
    const cause = new Error('ENOENT');
    const e = new DatasetError('dataset.path: no such file', 'give an existing JSON file', { cause });
    expect(e).toBeInstanceOf(ServebenchError);
    expect([e.code, e.hint, e.name, e.cause]).toEqual([
      'SB_DATASET',
      'give an existing JSON file',
      'DatasetError',
      cause,
    ]);
    expect(new ConfigError('--port: expected 1-65535, got 70000').code).toBe('SB_CONFIG');
    expect(new RequestFailure('SB_TIMEOUT', 'no answer in 5 s')).toMatchObject({
      code: 'SB_TIMEOUT',
      name: 'RequestFailure',
    });
  });
});

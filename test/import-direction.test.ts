import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Folders under src/ in the order data flows through them: a folder may import itself and the
 * folders before it, never one after it. Shared pieces live in `core` (errors, seeded random
 * numbers, slugs, atomic writes, secret masking), which imports no other folder. Tests and test
 * helpers (`*.test.ts`, `testing/`, the simulator's calibration tests) may import anything.
 */
const folderOrder = [
  'core',
  'runtime',
  'datasets',
  'metrics',
  'config',
  'load',
  'telemetry',
  'capacity',
  'report',
  'baseline',
  'sim',
  'targets',
  'pool',
  'vitest',
  'cli',
  'testing',
] as const;

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const isTestCode = (file: string) => file.startsWith('sim/calibration/');
const importPattern = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** `file -> target` for every relative import under `root` into a folder later in the order. */
function violations(root: string): string[] {
  const found: string[] = [];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path).split('\\').join('/');
    if (isTestCode(file) || !file.includes('/')) continue; // src/index.ts re-exports the package
    const from = file.split('/')[0] as string;
    const fromRank = folderOrder.indexOf(from as (typeof folderOrder)[number]);
    for (const match of readFileSync(path, 'utf8').matchAll(importPattern)) {
      const target = posix.normalize(posix.join(posix.dirname(file), match[1] as string));
      const to = target.split('/')[0] as string;
      if (to === from || !target.includes('/')) continue;
      const toRank = folderOrder.indexOf(to as (typeof folderOrder)[number]);
      if (fromRank < 0 || toRank < 0 || toRank > fromRank) found.push(`${file} -> ${target}`);
    }
  }
  return found;
}

describe('src/ folders import one way, in the order of the data flow', () => {
  it('names every folder under src/ in the order', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !(folderOrder as readonly string[]).includes(f))).toEqual([]);
  });

  it('has no import from a folder into one later in the order', () => {
    expect(violations(src)).toEqual([]);
  });

  it('reports a backward import, a dynamic one and an unknown folder (the check can fail)', () => {
    const root = mkdtempSync(join(tmpdir(), 'servebench-imports-'));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      };
      write('core/a.ts', "import { b } from '../vitest/b.ts';\nexport const a = b;\n");
      write('load/c.ts', "export const c = () => import('../cli/d.ts');\n");
      write('extra/e.ts', "import { a } from '../core/a.ts';\n");
      write('metrics/ok.ts', "import { a } from '../core/a.ts';\nimport { f } from './f.ts';\n");
      write('load/c.test.ts', "import { x } from '../cli/x.ts';\n");
      expect(violations(root).sort()).toEqual([
        'core/a.ts -> vitest/b.ts',
        'extra/e.ts -> core/a.ts',
        'load/c.ts -> cli/d.ts',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

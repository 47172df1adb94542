import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initProject } from './init-project.ts';

describe('servebench init', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'servebench-init-'));
    await writeFile(join(dir, 'package.json'), '{ "name": "my-serving-repo", "type": "module" }\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('scaffolds the config, a capacity experiment with its baseline and a CI workflow', async () => {
    const report = await initProject({ dir, force: false });
    expect(report.written.map((f) => f.path)).toEqual([
      'vitest.config.ts',
      'suites/saturation/saturation.test.ts',
      '.github/workflows/servebench.yml',
    ]);
    expect(report.gitignore).toBe('created');
    const suite = await readFile(join(dir, 'suites/saturation/saturation.test.ts'), 'utf8');
    expect(suite).toContain('await runCapacity(server, {');
    expect(suite).toContain('await expect(capacity).toMatchBaseline();');
    expect(suite).not.toContain('runLoad');
    // Small enough to run in about a minute on the simulator.
    expect(suite).toMatch(/maxProbes: 8, maxRequests: 300/);
  });

  it('refuses to overwrite, writing nothing; --force replaces', async () => {
    await initProject({ dir, force: false });
    const suitePath = join(dir, 'suites/saturation/saturation.test.ts');
    const scaffolded = await readFile(suitePath, 'utf8');
    await writeFile(suitePath, `${scaffolded}// the user's edit\n`);
    await expect(initProject({ dir, force: false })).rejects.toThrow(
      /would overwrite vitest\.config\.ts, suites\/saturation\/saturation\.test\.ts, \.github\/workflows\/servebench\.yml; nothing was written/,
    );
    expect(await readFile(suitePath, 'utf8')).toContain("// the user's edit");
    const forced = await initProject({ dir, force: true });
    expect(forced.written.every((f) => f.replaced)).toBe(true);
    expect(forced.gitignore).toBe('unchanged');
    expect(await readFile(suitePath, 'utf8')).toBe(scaffolded);
  });
});

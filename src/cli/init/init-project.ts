import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../core/errors.ts';
import { scaffold, vitestConfigNames } from './templates.ts';

export interface InitOptions {
  /** The project's root (has a package.json). */
  dir: string;
  /** Replace files that already exist. */
  force: boolean;
}

export interface InitReport {
  written: { path: string; what: string; replaced: boolean }[];
  gitignore: 'created' | 'appended' | 'unchanged';
  missingPackages: string[];
}

/**
 * Scaffolds servebench into an existing project. Checks everything before writing anything, so
 * a refusal leaves the project as it was.
 */
export async function initProject({ dir, force }: InitOptions): Promise<InitReport> {
  if (!existsSync(join(dir, 'package.json'))) {
    throw new ConfigError(
      `no package.json in ${dir}: servebench init adds to an existing npm project`,
      'run `npm init -y` there first (or pass --dir <project root>)',
    );
  }
  const otherConfig = vitestConfigNames.find(
    (name) => name !== 'vitest.config.ts' && existsSync(join(dir, name)),
  );
  const existing = scaffold.map((file) => file.path).filter((path) => existsSync(join(dir, path)));
  if (!force && (existing.length > 0 || otherConfig)) {
    const clash = [...existing, ...(otherConfig ? [otherConfig] : [])];
    throw new ConfigError(
      `servebench init would overwrite ${clash.join(', ')}; nothing was written`,
      otherConfig || existing.includes('vitest.config.ts')
        ? "add the plugin to your Vitest config yourself: import { servebench } from 'servebench'; plugins: [servebench({ target: 'auto' })]; or run `servebench init --force` to replace the files"
        : 'move those files away, or run `servebench init --force` to replace them',
    );
  }
  const written: InitReport['written'] = [];
  for (const file of scaffold) {
    const path = join(dir, file.path);
    const replaced = existsSync(path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.text);
    written.push({ path: file.path, what: file.what, replaced });
  }
  return { written, gitignore: await ignoreResults(dir), missingPackages: missingPackages(dir) };
}

/** results/ is regenerated on every run; baselines/ is what gets committed. */
async function ignoreResults(dir: string): Promise<InitReport['gitignore']> {
  const path = join(dir, '.gitignore');
  if (!existsSync(path)) {
    await writeFile(path, 'node_modules/\nresults/\n');
    return 'created';
  }
  const text = await readFile(path, 'utf8');
  if (/^\/?results\/?$/m.test(text)) return 'unchanged';
  await appendFile(path, `${text.endsWith('\n') || text === '' ? '' : '\n'}results/\n`);
  return 'appended';
}

function missingPackages(dir: string): string[] {
  return ['vitest', 'servebench'].filter(
    (name) => !existsSync(join(dir, 'node_modules', name, 'package.json')),
  );
}

import { resolve } from 'node:path';
import { Command } from 'commander';
import { initProject } from './init/init-project.ts';

/** `servebench init`: the Vitest config, one experiment suite and a CI workflow in the user's project. */
export function initCommand(): Command {
  return new Command('init')
    .description('add servebench to this project: vitest.config.ts, an example suite, a CI workflow')
    .option('--dir <path>', 'project root', '.')
    .option('--force', 'replace files that already exist', false)
    .action(async (options: { dir: string; force: boolean }) => {
      const report = await initProject({ dir: resolve(options.dir), force: options.force });
      const lines = report.written.map(
        (f) => `  ${f.replaced ? 'replaced' : 'created '} ${f.path}  (${f.what})`,
      );
      if (report.gitignore !== 'unchanged')
        lines.push(`  ${report.gitignore.padEnd(8)} .gitignore  (results/)`);
      const next = [
        ...(report.missingPackages.length > 0
          ? [
              `  npm install --save-dev ${report.missingPackages.map((p) => (p === 'vitest' ? 'vitest@^5' : p)).join(' ')}`,
            ]
          : []),
        '  npx vitest run suites        # runs the suite (on the simulator without a GPU) and records baselines/',
        '  git add baselines .github vitest.config.ts suites   # commit: CI then gates pull requests on them',
      ];
      process.stdout.write(`servebench init:\n${lines.join('\n')}\n\nnext:\n${next.join('\n')}\n`);
    });
}

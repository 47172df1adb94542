import { Command } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { serve } from '../sim/serve.ts';
import { version } from '../version.ts';
import { capacityCommand } from './capacity-command.ts';
import { initCommand } from './init-command.ts';
import { runCommand } from './run-command.ts';
import { summarizeCommand } from './summarize-command.ts';

const program = new Command('servebench')
  .description('LLM-serving benchmarks with vLLM-compatible metrics')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(initCommand())
  .addCommand(runCommand())
  .addCommand(capacityCommand())
  .addCommand(summarizeCommand())
  .addCommand(
    new Command('sim')
      .description("start the embedded vLLM-compatible simulator (its own flags: 'servebench sim --help')")
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[flags...]')
      .action((flags: string[]) => serve(flags, 'servebench sim')),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Bad input (exit 1): a ConfigError or DatasetError says what is wrong and, in `hint`, what to do.
  const e = error as Error & { hint?: string };
  if (error instanceof ConfigError || e.name === 'DatasetError') {
    process.stderr.write(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

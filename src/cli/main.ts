import { Command } from 'commander';
import { ConfigError } from '../load/errors.ts';
import { serve } from '../sim/serve.ts';
import { runCommand } from './run-command.ts';
import { summarizeCommand } from './summarize-command.ts';

const program = new Command('servebench')
  .description('LLM-serving benchmarks with vLLM-compatible metrics')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(runCommand())
  .addCommand(summarizeCommand())
  .addCommand(
    new Command('sim')
      .description("start the embedded vLLM-compatible simulator (its own flags: 'servebench sim --help')")
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[flags...]')
      .action((flags: string[]) => serve(flags)),
  );

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as Error & { hint?: string; code?: string };
  if (error instanceof ConfigError || e.name === 'DatasetError') {
    process.stderr.write(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

import { Command } from 'commander';
import { ServebenchError } from '../core/errors.ts';
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
  // A known failure (exit 1) says what is wrong and, in `hint`, what to do; the code is stable
  // (docs/errors.md). Anything else is a bug and keeps its stack.
  if (error instanceof ServebenchError) {
    process.stderr.write(
      `error: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}code: ${error.code}\n`,
    );
    process.exitCode = 1;
  } else {
    throw error;
  }
}

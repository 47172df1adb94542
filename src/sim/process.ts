import { modulePath } from '../runtime/module-path.ts';
import { sweepStraysOnce } from '../runtime/strays.ts';
import { describeExit, type SupervisedProcess, startAll, supervise } from '../runtime/supervise.ts';

/** The simulator's entry point, for anything that starts it as a process. */
export const SIM_ENTRY = modulePath(import.meta.url, './main');

export interface SimProcess {
  readonly url: string;
  readonly port: number;
  /** The supervised process (pid, output tail). */
  readonly process: SupervisedProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts the real simulator (`node src/sim/main.ts --port 0 ...`) on 127.0.0.1 and resolves once
 * it prints its listening line. Rejects with its output if it exits or does not start in time (it
 * is stopped then). It runs supervised (runtime/supervise.ts): stop() ends it, and it never
 * outlives the process that started it. Several at once: startSims, which stops the ones that
 * started when another fails.
 */
export async function startSim(args: readonly string[], timeoutMs = 10_000): Promise<SimProcess> {
  await sweepStraysOnce();
  let out = '';
  let listening: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const child = supervise({
    command: process.execPath,
    args: [SIM_ENTRY, '--host', '127.0.0.1', '--port', '0', ...args],
    role: 'simulator',
    graceMs: 5000,
    onOutput: (text) => {
      out += text;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) listening(m[1]);
    },
  });
  const exited = child.exited.then((exit) => exit.code);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    url,
    child.exited.then(
      (exit) =>
        new Error(`simulator exited (${describeExit(exit, process.execPath)}) before listening:\n${out}`),
    ),
    new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`simulator did not start within ${timeoutMs} ms:\n${out}`)),
        timeoutMs,
      );
    }),
  ]);
  clearTimeout(timer);
  if (outcome instanceof Error) {
    await child.stop({ graceMs: 0 });
    throw outcome;
  }
  return {
    url: outcome,
    port: Number(new URL(outcome).port),
    process: child,
    output: () => out,
    exited,
    stop: async () => {
      await child.stop();
    },
  };
}

/**
 * Starts several simulators at once (one argument list each). If any fails to start, the others
 * are stopped before the error is thrown: a failed start-up never leaves simulators running.
 */
export function startSims(
  argsList: readonly (readonly string[])[],
  timeoutMs?: number,
): Promise<SimProcess[]> {
  return startAll(argsList.map((args) => startSim(args, timeoutMs)));
}

import { type ChildProcess, spawn } from 'node:child_process';
import { modulePath } from '../runtime/module-path.ts';

/** The simulator's entry point, for anything that starts it as a process. */
export const SIM_ENTRY = modulePath(import.meta.url, './main');

export interface SimProcess {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts the real simulator (`node src/sim/main.ts --port 0 ...`) on 127.0.0.1 and resolves once
 * it prints its listening line. Rejects with its output if it exits or does not start in time.
 */
export function startSim(args: readonly string[], timeoutMs = 10_000): Promise<SimProcess> {
  const child = spawn(process.execPath, [SIM_ENTRY, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulator did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        const url = m[1];
        resolve({
          url,
          port: Number(new URL(url).port),
          child,
          output: () => out,
          exited,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              await exited;
            }
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with code ${code} before listening:\n${out}`));
    });
  });
}

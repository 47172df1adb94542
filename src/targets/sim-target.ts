import type { ServerSpec } from '../config/server-spec.ts';
import type { ProcessWatcher } from '../runtime/supervise.ts';
import { SIM_ENTRY } from '../sim/process.ts';
import { version } from '../version.ts';
import { freePort, startChildServer } from './child-server.ts';
import { type RunningServer, type StartContext, serverSecrets, type Target } from './target.ts';

/** The embedded simulator in a child process: never in the load generator's process. */
export class SimTarget implements Target {
  readonly kind = 'sim';
  private readonly reaper: ProcessWatcher;
  constructor(reaper: ProcessWatcher) {
    this.reaper = reaper;
  }

  async start(spec: ServerSpec, context: StartContext): Promise<RunningServer> {
    const port = await freePort();
    // What is under test: the vLLM arguments. Model and GPU profile are part of the baseline key.
    const serverArgs = [
      ...(spec.mpsActiveThreadPercentage
        ? ['--mps-active-thread-percentage', String(spec.mpsActiveThreadPercentage)]
        : []),
      ...spec.args,
    ];
    const args = [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--model',
      spec.model,
      '--gpu',
      spec.simGpu,
      ...serverArgs,
    ];
    const secrets = serverSecrets(spec);
    return startChildServer({
      command: process.execPath,
      args: [SIM_ENTRY, ...args],
      env: { ...process.env, ...spec.env },
      startupTimeoutMs: spec.startupTimeoutS * 1000,
      reaper: this.reaper,
      signal: context.signal,
      secrets,
      info: {
        url: `http://127.0.0.1:${port}`,
        model: spec.model,
        target: 'sim',
        simulated: true,
        hardware: `simulated:${spec.simGpu} x${spec.gpus}`,
        server: `servebench-sim ${version}`,
        serverArgs: secrets.maskArgs(serverArgs),
        gpus: context.gpus,
      },
    });
  }
}

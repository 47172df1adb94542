import { type ServerSpec, serverSpecSchema } from '../config/server-spec.ts';
import type { RunningServer, StartContext, Target } from './target.ts';

/**
 * Starts servers on request and reuses a running one when the spec and GPUs are identical
 * (across test files and watch reruns). A server that died is started again on the next request.
 */
export class ServerManager {
  private readonly target: Target;
  private readonly servers = new Map<string, Promise<RunningServer>>();

  constructor(target: Target) {
    this.target = target;
  }

  get kind(): Target['kind'] {
    return this.target.kind;
  }

  async acquire(specInput: unknown, context: StartContext): Promise<RunningServer> {
    const spec: ServerSpec = serverSpecSchema.parse(specInput);
    const key = JSON.stringify([spec, context.gpus.slice(0, spec.gpus)]);
    const existing = this.servers.get(key);
    if (existing) {
      const server = await existing.catch(() => null);
      if (server && (await isAlive(server))) return server;
      this.servers.delete(key);
    }
    const starting = this.target.start(spec, context);
    this.servers.set(key, starting);
    starting.catch(() => this.servers.delete(key));
    return starting;
  }

  async stopAll(): Promise<void> {
    const all = [...this.servers.values()];
    this.servers.clear();
    await Promise.all(all.map((p) => p.then((s) => s.stop()).catch(() => {})));
  }
}

async function isAlive(server: RunningServer): Promise<boolean> {
  return Promise.race([
    server.exited.then(() => false),
    new Promise<boolean>((r) => setImmediate(() => r(true))),
  ]);
}

import { type ServerSpec, serverSpecSchema } from '../config/server-spec.ts';
import { type RunningServer, ServerStartError, type StartContext, type Target } from './target.ts';

interface Owned {
  /** The GPU lease (test file) the server belongs to: it lives no longer than the lease. */
  lease: string;
  starting: Promise<RunningServer>;
}

/**
 * Starts servers on request, each owned by the GPU lease of the test file that asked, and
 * reuses a running one when the lease and spec are the same (a second `useServer` of the same
 * spec, a sweep's second pass). A server lives no longer than its lease: releaseLease() stops the
 * lease's servers before its GPUs go to the next test file, stop() ends one earlier (a sweep
 * with a server per point). A server is registered from the moment its start begins, so one
 * still starting when its lease ends (a sibling start failed, the file was cancelled) is stopped
 * as soon as it is up. A server that died is started again on the next request.
 */
export class ServerManager {
  private readonly target: Target;
  private readonly servers = new Map<string, Owned>();
  /** Aborts the starts still in flight when a lease ends. */
  private readonly leases = new Map<string, AbortController>();

  constructor(target: Target) {
    this.target = target;
  }

  get kind(): Target['kind'] {
    return this.target.kind;
  }

  async acquire(specInput: unknown, context: StartContext, lease = 'no-lease'): Promise<RunningServer> {
    const spec: ServerSpec = serverSpecSchema.parse(specInput);
    checkEngine(spec, this.target.kind);
    const key = JSON.stringify([lease, spec, context.gpus.slice(0, spec.gpus)]);
    const existing = this.servers.get(key);
    if (existing) {
      const server = await existing.starting.catch(() => null);
      if (server && (await isAlive(server))) return server;
      if (this.servers.get(key) === existing) this.servers.delete(key);
      await server?.stop().catch(() => {});
    }
    let controller = this.leases.get(lease);
    if (!controller || controller.signal.aborted) {
      controller = new AbortController();
      this.leases.set(lease, controller);
    }
    const owned: Owned = {
      lease,
      starting: this.target.start(spec, { ...context, signal: controller.signal }),
    };
    this.servers.set(key, owned);
    owned.starting.catch(() => {
      if (this.servers.get(key) === owned) this.servers.delete(key);
    });
    return owned.starting;
  }

  /** Stops the server at `url` (of `lease`, when given). False when there was none. */
  async stop(url: string, lease?: string): Promise<boolean> {
    const found: Owned[] = [];
    for (const [key, owned] of this.servers) {
      if (lease !== undefined && owned.lease !== lease) continue;
      const server = await owned.starting.catch(() => null);
      if (server?.info.url !== url) continue;
      this.servers.delete(key);
      found.push(owned);
    }
    await stopEach(found);
    return found.length > 0;
  }

  /** Stops every server of a lease (those still starting once they are up); resolves when all are gone. */
  async releaseLease(lease: string): Promise<void> {
    this.leases.get(lease)?.abort();
    this.leases.delete(lease);
    const found: Owned[] = [];
    for (const [key, owned] of this.servers) {
      if (owned.lease !== lease) continue;
      this.servers.delete(key);
      found.push(owned);
    }
    await stopEach(found);
  }

  async stopAll(): Promise<void> {
    for (const controller of this.leases.values()) controller.abort();
    this.leases.clear();
    const all = [...this.servers.values()];
    this.servers.clear();
    await stopEach(all);
  }
}

async function stopEach(owned: readonly Owned[]): Promise<void> {
  await Promise.all(owned.map((o) => o.starting.then((s) => s.stop()).catch(() => {})));
}

async function isAlive(server: RunningServer): Promise<boolean> {
  return Promise.race([
    server.exited.then(() => false),
    new Promise<boolean>((r) => setImmediate(() => r(true))),
  ]);
}

/** What a target cannot run, said before anything starts. */
function checkEngine(spec: ServerSpec, kind: Target['kind']): void {
  if (spec.engine === 'llama.cpp' && (kind === 'sim' || kind === 'container')) {
    throw new ServerStartError(
      `engine 'llama.cpp' runs on the process target, and this run's target is '${kind}'`,
      "set servebench({ target: 'process', llamaServer: '/path/to/llama-server' }) for llama.cpp suites",
    );
  }
  if (spec.gpus === 0 && kind === 'sim') {
    throw new ServerStartError(
      'a server spec with gpus: 0 (on the CPU) cannot be simulated: the simulator models GPUs',
      "give it gpus >= 1, or run it on the process target with servebench({ gpus: 'none' })",
    );
  }
}

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { knownSecrets } from '../core/secrets.ts';
import type { LeaseManager } from '../pool/leases.ts';
import type { ServerManager } from '../targets/server-manager.ts';
import type { ServerInfo } from '../targets/target.ts';

/** Test-worker -> main-process requests (provide/inject is one-way): a loopback HTTP broker. */
export interface BrokerDeps {
  leases: LeaseManager;
  servers: ServerManager;
  gpuNames: Map<string, string>;
}

export interface ServerRequest {
  spec: unknown;
  leaseId: string;
}

export interface StopRequest {
  url: string;
  leaseId: string;
}

export type BrokerReply<T> =
  | { ok: true; value: T }
  | { ok: false; error: { message: string; hint?: string; code?: string } };

export class Broker {
  private server: Server | null = null;
  private readonly deps: BrokerDeps;
  /** Servers handed out, by URL, to answer health questions after a load run. */
  private readonly byUrl = new Map<string, Awaited<ReturnType<ServerManager['acquire']>>>();

  constructor(deps: BrokerDeps) {
    this.deps = deps;
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then((reply) => {
        res.writeHead(reply.ok ? 200 : 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage): Promise<BrokerReply<unknown>> {
    try {
      const body = JSON.parse(await readAll(req));
      if (req.url === '/servers') return { ok: true, value: await this.startServer(body as ServerRequest) };
      if (req.url === '/servers/stop') return { ok: true, value: await this.stopServer(body as StopRequest) };
      if (req.url === '/server-status')
        return { ok: true, value: await this.status((body as { url: string }).url) };
      return { ok: false, error: { message: `unknown broker route ${req.url}` } };
    } catch (error) {
      // Errors go to the test worker and from there into the report: no secret crosses over.
      const e = error as Error & { hint?: string; code?: string };
      const secrets = knownSecrets();
      return {
        ok: false,
        error: {
          message: secrets.mask(e.message),
          hint: e.hint === undefined ? undefined : secrets.mask(e.hint),
          code: e.code,
        },
      };
    }
  }

  private async startServer(request: ServerRequest): Promise<ServerInfo> {
    const lease = this.deps.leases.get(request.leaseId);
    if (!lease)
      throw new Error(
        `unknown GPU lease '${request.leaseId}': run the suite through the servebench() Vitest plugin`,
      );
    // The server belongs to the lease: it is stopped when the lease ends (the file is done).
    const server = await this.deps.servers.acquire(
      request.spec,
      { gpus: lease.gpus, gpuNames: this.deps.gpuNames },
      lease.id,
    );
    this.byUrl.set(server.info.url, server);
    return server.info;
  }

  /** A test's handle.stop(): stops that server of its lease now; false when there was none. */
  private async stopServer(request: StopRequest): Promise<boolean> {
    const stopped = await this.deps.servers.stop(request.url, request.leaseId);
    if (stopped) this.byUrl.delete(request.url);
    return stopped;
  }

  private async status(url: string): Promise<{ alive: boolean; logs: string[] }> {
    const server = this.byUrl.get(url);
    if (!server) return { alive: true, logs: [] };
    const dead = await Promise.race([
      server.exited.then(() => true),
      new Promise<boolean>((r) => setImmediate(() => r(false))),
    ]);
    return { alive: !dead, logs: server.logs().slice(-30) };
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => resolve(text || '{}'));
    req.on('error', reject);
  });
}

/** Worker side: one call to the broker whose URL the pool put in the env. */
export async function callBroker<T>(route: string, body: unknown): Promise<T> {
  const url = process.env.SERVEBENCH_BROKER_URL;
  if (!url) {
    throw new Error(
      'servebench: no broker in this process; add servebench() to the plugins of vitest.config.ts',
    );
  }
  const response = await fetch(`${url}${route}`, { method: 'POST', body: JSON.stringify(body) });
  const reply = (await response.json()) as BrokerReply<T>;
  if (reply.ok) return reply.value;
  // Vitest prints an error's message, not its other fields: the hint goes into the message.
  const { message, hint } = reply.error;
  const error = new Error(hint ? `${message}\nhint: ${hint}` : message) as Error & {
    hint?: string;
    code?: string;
  };
  error.hint = reply.error.hint;
  error.code = reply.error.code;
  throw error;
}

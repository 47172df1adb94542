import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  containersWith,
  ensureSimImage,
  probeDocker,
  SIM_IMAGE,
  waitUntilNone,
} from '../../src/targets/container/test-docker.ts';

// Real Vitest runs of the fixture project on the container target: a real Docker daemon runs
// the simulator image (scripts/build-sim-image.sh) in place of vLLM.
const root = join(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'fixture');
const vitestBin = join(root, 'node_modules/vitest/vitest.mjs');
const probe = await probeDocker();
const suite = probe.docker || process.env.CI ? describe : describe.skip;
let docker: Dockerode;

interface Run {
  code: number;
  out: string;
  marker: string;
  results: string;
}

async function setup() {
  const base = await mkdtemp(join(tmpdir(), 'servebench-e2e-container-'));
  const marker = `e2e-${randomUUID().slice(0, 8)}`;
  const results = join(base, 'results');
  const options = JSON.stringify({
    target: 'container',
    resultsDir: results,
    baselinesDir: join(base, 'baselines'),
    container: {
      image: SIM_IMAGE,
      pullPolicy: 'never',
      gpus: 'none',
      cacheDir: join(base, 'hf-cache'),
      labels: { 'servebench.test': marker },
    },
  });
  return { marker, results, options, label: `servebench.test=${marker}` };
}

/** tcp://127.0.0.1:PORT in front of a unix:// Docker socket; null for a daemon not on a local socket. */
async function tcpRelay(dockerHost: string): Promise<{ port: number; close: () => void } | null> {
  const socket = dockerHost.startsWith('unix://') ? dockerHost.slice('unix://'.length) : null;
  if (!socket || !existsSync(socket)) return null;
  const server = createServer((client) => {
    const upstream = connect(socket);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.close();
    },
  };
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, CI: '', GITHUB_STEP_SUMMARY: '', FORCE_COLOR: '0', ...extra };
}

/** A real `vitest run` of the fixture project on the container target. */
async function vitest(extra: Record<string, string> = {}): Promise<Run> {
  const s = await setup();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitestBin, 'run', '--configLoader', 'native', '--root', fixture], {
      cwd: fixture,
      env: env({ FX_OPTIONS: s.options, ...extra }),
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out, marker: s.marker, results: s.results }));
  });
}

suite(`real Vitest runs on the container target${probe.skipReason ? ` (${probe.skipReason})` : ''}`, () => {
  beforeAll(async () => {
    if (!probe.docker)
      throw new Error('CI is set and no Docker daemon answers: the container tests must run');
    docker = probe.docker;
    await ensureSimImage();
  }, 150_000);

  it('runs a suite end to end in a container: results record image tag, digest and daemon; log saved; no container left', async () => {
    // The daemon through DOCKER_HOST=tcp://, as a remote one is found (a TCP relay to the local socket).
    const relay = await tcpRelay(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
    const dockerHost = relay ? `tcp://127.0.0.1:${relay.port}` : '';
    const run = await vitest(dockerHost ? { DOCKER_HOST: dockerHost } : {}).finally(() => relay?.close());
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/target 'container' \(target 'container' configured\)/);
    const results = JSON.parse(await readFile(join(run.results, 'results.json'), 'utf8'));
    expect(results.target).toBe('container');
    expect(results.points).toHaveLength(2);
    const point = results.points[0];
    expect(point.key.hardware).toBe('simulated:H100 x1');
    expect(point.simulated).toBe(true);
    expect(point.underTest.target).toBe('container');
    expect(point.underTest.server).toMatch(
      new RegExp(`^${SIM_IMAGE}@sha256:[0-9a-f]{64} \\(docker \\S+ at \\S+\\)$`),
    );
    if (dockerHost) expect(point.underTest.server).toContain(`at ${dockerHost})`);
    expect(point.summary.completed).toBe(40);
    const logs = await readdir(join(run.results, 'container-logs'));
    expect(logs).toHaveLength(1);
    expect(await readFile(join(run.results, 'container-logs', logs[0] ?? ''), 'utf8')).toMatch(
      /servebench-sim listening on/,
    );
    expect(await containersWith(docker, `servebench.test=${run.marker}`)).toEqual([]);
  });

  it('a container that crashes during the load run fails the test with its last log lines', async () => {
    const run = await vitest({ FX_SERVER_ARGS: JSON.stringify(['--fault-crash-after', '5']) });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/the container server died during the load run; last log lines:/);
    expect(run.out).toMatch(/injected crash \(--fault-crash-after 5\)/);
    const logs = await readdir(join(run.results, 'container-logs'));
    expect(await readFile(join(run.results, 'container-logs', logs[0] ?? ''), 'utf8')).toMatch(
      /injected crash/,
    );
    expect(await containersWith(docker, `servebench.test=${run.marker}`)).toEqual([]);
  });

  it.each(['SIGINT', 'SIGKILL'] as const)(
    '%s of a running Vitest leaves zero labelled containers',
    async (signal) => {
      const s = await setup();
      const child = spawn(
        process.execPath,
        [vitestBin, 'run', '--configLoader', 'native', '--root', fixture],
        {
          cwd: fixture,
          env: env({ FX_OPTIONS: s.options, FX_INCLUDE: 'slow.test.ts', FX_MARKER: s.marker }),
          stdio: 'ignore',
        },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 30_000;
      const running = async () =>
        (await docker.listContainers({ filters: { label: [s.label], status: ['running'] } })).length;
      while ((await running()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await running()).toBe(1);
      // Mid-run: the load is flowing.
      await new Promise((r) => setTimeout(r, 1000));
      child.kill(signal);
      await exited;
      expect(await waitUntilNone(docker, s.label, 20_000)).toEqual([]);
    },
  );
});

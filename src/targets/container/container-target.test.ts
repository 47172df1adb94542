import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContainerOptions, containerOptionsSchema } from '../../config/plugin-options.ts';
import { type ServerSpecInput, serverSpecSchema } from '../../config/server-spec.ts';
import { Reaper } from '../reaper.ts';
import { ContainerTarget, type ContainerTargetOptions } from './container-target.ts';
import { connectDaemon } from './daemon.ts';
import { ContainerNotReadyError, ImageUnavailableError, NvidiaRuntimeMissingError } from './errors.ts';
import { LABEL, ownerLabels } from './labels.ts';
import { currentOwner } from './run-owner.ts';
import { containersWith, ensureSimImage, probeDocker, SIM_IMAGE, waitUntilNone } from './test-docker.ts';

// Real Docker daemon, real containers of the simulator image (scripts/build-sim-image.sh).
const probe = await probeDocker();
const suite = probe.docker || process.env.CI ? describe : describe.skip;
const TOKEN = 'hf_TESTtoken0123456789';
const marker = `ct-${randomUUID().slice(0, 8)}`;
const reaper = new Reaper();
let docker: Dockerode;
let base: string;

function options(extra: Partial<ContainerOptions> = {}): ContainerOptions {
  return containerOptionsSchema.parse({
    image: SIM_IMAGE,
    pullPolicy: 'never',
    gpus: 'none',
    cacheDir: join(base, 'hf-cache'),
    labels: { 'servebench.test': marker },
    ...extra,
  });
}

function target(extra: Partial<ContainerOptions> = {}, more: Partial<ContainerTargetOptions> = {}) {
  return new ContainerTarget({
    container: options(extra),
    reaper,
    logsDir: join(base, 'logs'),
    env: { HF_TOKEN: TOKEN },
    ...more,
  });
}

const spec = (input: ServerSpecInput = {}) => serverSpecSchema.parse({ startupTimeoutS: 60, ...input });
const context = (gpus = ['0']) => ({
  gpus,
  gpuNames: new Map(gpus.map((g) => [g, 'NVIDIA H100 80GB HBM3'])),
});
const runLabel = (t: ContainerTarget) => `${LABEL.run}=${t.owner.runId}`;

suite(`container target against a real Docker daemon${probe.skipReason ? ` (${probe.skipReason})` : ''}`, () => {
  beforeAll(async () => {
    if (!probe.docker)
      throw new Error('CI is set and no Docker daemon answers: the container tests must run');
    docker = probe.docker;
    base = await mkdtemp(join(tmpdir(), 'servebench-container-'));
    await ensureSimImage();
  }, 150_000);

  afterAll(async () => {
    reaper.close();
    if (docker) {
      for (const id of await containersWith(docker, `servebench.test=${marker}`))
        await docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => {});
    }
  });

  it('serves from the simulator image with tag, digest and daemon recorded; stop removes it and saves its log', async () => {
    const t = target();
    const server = await t.start(spec({ args: ['--max-num-seqs', '4'] }), context());
    expect(server.info).toMatchObject({
      target: 'container',
      simulated: true,
      hardware: 'simulated:H100 x1',
      serverArgs: ['--max-num-seqs', '4'],
    });
    expect(server.info.server).toMatch(
      new RegExp(`^${SIM_IMAGE}@sha256:[0-9a-f]{64} \\(docker \\S+ at (unix|tcp|ssh)://\\S+\\)$`),
    );
    expect(server.info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${server.info.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: server.info.model, prompt: 'hello', max_tokens: 4 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);

    const inspect = await docker.getContainer(server.containerId).inspect();
    expect(inspect.HostConfig.NetworkMode).toBe('host');
    expect(inspect.HostConfig.IpcMode).toBe('host');
    expect(inspect.HostConfig.Binds).toEqual([`${join(base, 'hf-cache')}:/root/.cache/huggingface:rw`]);
    expect(inspect.Config.Cmd).toEqual([
      '--model',
      'Qwen/Qwen2.5-1.5B-Instruct',
      '--host',
      '127.0.0.1',
      '--port',
      new URL(server.info.url).port,
      '--gpu',
      'H100',
      '--max-num-seqs',
      '4',
    ]);
    expect(inspect.Config.Env).toContain(`HF_TOKEN=${TOKEN}`);
    expect(inspect.Config.Labels).toMatchObject({ [LABEL.run]: t.owner.runId, [LABEL.role]: 'server' });
    expect(server.logs().join('\n')).toMatch(/servebench-sim listening on/);

    await server.stop();
    expect(await containersWith(docker, runLabel(t))).toEqual([]);
    expect((await server.exited).message).toBe('stopped');
    expect(await readFile(server.logFile ?? '', 'utf8')).toMatch(/servebench-sim listening on/);
  });

  it('a container that exits while loading fails fast with its exit code and last lines, HF_TOKEN masked; nothing left', async () => {
    const t = target();
    const started = performance.now();
    const error = await t.start(spec({ args: ['--max-num-seqs', TOKEN] }), context()).catch((e) => e);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(error).toBeInstanceOf(ContainerNotReadyError);
    expect(error.code).toBe('SB_CONTAINER_NOT_READY');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/container exited with code 2/);
    expect(error.message).toMatch(/--max-num-seqs: .*\(got '\*\*\*'\)/);
    expect(`${error.message} ${error.hint} ${error.logs}`).not.toContain(TOKEN);
    expect(await containersWith(docker, runLabel(t))).toEqual([]);
    const saved = (await readdir(join(base, 'logs'))).filter((f) => f.includes(t.owner.runId));
    expect(saved).toHaveLength(1);
    const log = await readFile(join(base, 'logs', saved[0] ?? ''), 'utf8');
    expect(log).toMatch(/\(got '\*\*\*'\)/);
    expect(log).not.toContain(TOKEN);
  });

  it('a server container that crashes after start resolves exited with its exit code; logs() has its last lines', async () => {
    const t = target();
    const server = await t.start(spec({ args: ['--fault-crash-after', '1'] }), context());
    const completion = () =>
      fetch(`${server.info.url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: server.info.model, prompt: 'x', max_tokens: 2 }),
      }).catch(() => null);
    await completion();
    await completion();
    expect((await server.exited).message).toBe('server container exited with code 70');
    expect(server.logs().join('\n')).toMatch(/injected crash \(--fault-crash-after 1\)/);
    await server.stop();
    expect(await containersWith(docker, runLabel(t))).toEqual([]);
  });

  it.each([
    ['server', {}],
    ['MPS companion', { mpsActiveThreadPercentage: 50 }],
  ] as const)(
    'DeviceRequests of the %s for the leased GPU ids, then the missing-NVIDIA-runtime error, no container left (mock GPU ids: no NVIDIA runtime here)',
    async (_, extra) => {
      const created: Dockerode.ContainerInspectInfo[] = [];
      const t = target(
        { gpus: 'lease' },
        { onCreated: async (id) => void created.push(await docker.getContainer(id).inspect()) },
      );
      const error = await t.start(spec({ gpus: 2, ...extra }), context(['1', '3', '5'])).catch((e) => e);
      expect(error).toBeInstanceOf(NvidiaRuntimeMissingError);
      expect(error.code).toBe('SB_NVIDIA_RUNTIME_MISSING');
      expect(error.message).toMatch(/has no NVIDIA runtime, so it cannot give the container GPUs 1,3/);
      expect(error.hint).toMatch(/NVIDIA Container Toolkit .*nvidia-container-toolkit/);
      expect(created).toHaveLength(1);
      const [inspect] = created;
      expect(inspect?.HostConfig.DeviceRequests).toMatchObject([
        { Driver: 'nvidia', DeviceIDs: ['1', '3'], Capabilities: [['gpu']] },
      ]);
      expect(inspect?.HostConfig.IpcMode).toBe('host');
      expect(inspect?.HostConfig.NetworkMode).toBe('host');
      expect(inspect?.Config.Labels).toMatchObject({ 'servebench.gpus': '1,3', [LABEL.run]: t.owner.runId });
      expect(await containersWith(docker, runLabel(t))).toEqual([]);
      const mpsDir = inspect?.Config.Labels[LABEL.mpsDir];
      if (mpsDir) expect(existsSync(mpsDir)).toBe(false);
    },
  );

  it('MPS wiring: control daemon companion and server share the pipe and log dirs, ipc=host, MPS env; the daemon exiting ends the server; stop removes both (fake control daemon, no GPU: MPS cannot really run here)', async () => {
    // Stands in for nvidia-cuda-mps-control -f: creates the control pipe, then idles.
    const fakeDaemon = [
      '/bin/node',
      '-e',
      "require('node:fs').writeFileSync(process.env.CUDA_MPS_PIPE_DIRECTORY + '/control', ''); setInterval(() => {}, 60000)",
    ];
    const t = target({ mpsCommand: fakeDaemon });
    const server = await t.start(
      spec({ mpsActiveThreadPercentage: 40, mpsPinnedDeviceMemLimit: '0=8G' }),
      context(),
    );
    const [mpsInfo] = await docker.listContainers({
      filters: { label: [runLabel(t), `${LABEL.role}=mps`] },
    });
    const mps = await docker.getContainer(mpsInfo?.Id ?? '').inspect();
    const srv = await docker.getContainer(server.containerId).inspect();
    const hostDir = mps.Config.Labels[LABEL.mpsDir] ?? '';
    const shared = [`${hostDir}/pipe:/tmp/nvidia-mps:rw`, `${hostDir}/log:/tmp/nvidia-log:rw`];
    expect(mps.State.Running).toBe(true);
    expect(mps.Config.Entrypoint).toEqual(['/bin/node']);
    expect(mps.HostConfig.IpcMode).toBe('host');
    expect(mps.HostConfig.Binds).toEqual(shared);
    expect(mps.Config.Env).toEqual(
      expect.arrayContaining([
        'CUDA_MPS_PIPE_DIRECTORY=/tmp/nvidia-mps',
        'CUDA_MPS_LOG_DIRECTORY=/tmp/nvidia-log',
      ]),
    );
    expect(srv.HostConfig.IpcMode).toBe('host');
    expect(srv.HostConfig.Binds).toEqual(expect.arrayContaining(shared));
    expect(srv.Config.Env).toEqual(
      expect.arrayContaining([
        'CUDA_MPS_ACTIVE_THREAD_PERCENTAGE=40',
        'CUDA_MPS_PINNED_DEVICE_MEM_LIMIT=0=8G',
        'CUDA_MPS_PIPE_DIRECTORY=/tmp/nvidia-mps',
        'CUDA_MPS_LOG_DIRECTORY=/tmp/nvidia-log',
      ]),
    );
    // The server container sees the pipe the daemon container made.
    const { client } = await connectDaemon();
    const seen = await client.container.exec(docker.getContainer(server.containerId), [
      '/bin/node',
      '-e',
      "process.exit(require('node:fs').existsSync('/tmp/nvidia-mps/control') ? 0 : 3)",
    ]);
    expect(seen.exitCode).toBe(0);
    // Without its control daemon the server cannot work: the daemon's exit ends it.
    await docker.getContainer(mps.Id).kill();
    expect((await server.exited).message).toBe('MPS control daemon container exited with code 137');

    await server.stop();
    expect(await containersWith(docker, runLabel(t))).toEqual([]);
    expect(existsSync(hostDir)).toBe(false);
  });

  it('an image missing on the daemon with pullPolicy never fails with how to get it', async () => {
    const error = await target({ image: 'servebench-sim:no-such-tag' })
      .start(spec(), context())
      .catch((e) => e);
    expect(error).toBeInstanceOf(ImageUnavailableError);
    expect(error.message).toMatch(
      /servebench-sim:no-such-tag is not available: it is not on the Docker daemon/,
    );
    expect(error.hint).toBe('build it: scripts/build-sim-image.sh servebench-sim:no-such-tag');
  });

  it('reuses a container across runs when the whole spec matches; the idle TTL removes it after the runs end', async () => {
    const reuseMarker = `${marker}-reuse`;
    const run = () => {
      const own = new Reaper();
      const t = new ContainerTarget({
        container: options({ reuse: true, idleTtlS: 2, labels: { 'servebench.test': reuseMarker } }),
        reaper: own,
        env: {},
      });
      return { t, reaper: own };
    };
    const first = run();
    const a = await first.t.start(spec({ args: ['--seed', '7'] }), context());
    expect(a.reused).toBe(false);
    await a.stop();
    expect((await docker.getContainer(a.containerId).inspect()).State.Running).toBe(true);

    const second = run();
    const started = performance.now();
    const b = await second.t.start(spec({ args: ['--seed', '7'] }), context());
    expect(performance.now() - started).toBeLessThan(5000);
    expect([b.reused, b.containerId, b.info.url]).toEqual([true, a.containerId, a.info.url]);
    const other = await second.t.start(spec({ args: ['--seed', '8'] }), context());
    expect(other.containerId).not.toBe(a.containerId);
    await b.stop();
    await other.stop();
    expect(await containersWith(docker, `servebench.test=${reuseMarker}`)).toHaveLength(2);

    first.reaper.close();
    second.reaper.close();
    expect(await waitUntilNone(docker, `servebench.test=${reuseMarker}`, 20_000)).toEqual([]);
  });

  it("the start-up sweep removes containers of dead runs and idle reused ones, and keeps live runs' containers", async () => {
    const deadPid = Number(
      spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim(),
    );
    const create = async (labels: Record<string, string>) =>
      (
        await docker.createContainer({
          Image: SIM_IMAGE,
          Labels: { 'servebench.test': marker, ...labels },
          HostConfig: { NetworkMode: 'none' },
        })
      ).id;
    const owner = { runId: 'dead-run', host: hostname(), pid: deadPid, pidStart: '1' };
    const dead = await create(ownerLabels(owner, 'server'));
    const idle = await create({
      ...ownerLabels(owner, 'server'),
      [LABEL.reuseKey]: 'k',
      [LABEL.idleTtlS]: '0.001',
    });
    const live = await create(ownerLabels(currentOwner(), 'server'));
    const elsewhere = await create(ownerLabels({ ...owner, host: 'another-host' }, 'server'));

    await target().connect();
    const left = await containersWith(docker, `servebench.test=${marker}`);
    expect(left).not.toContain(dead);
    expect(left).not.toContain(idle);
    expect(left).toEqual(expect.arrayContaining([live, elsewhere]));
    for (const id of [live, elsewhere]) await docker.getContainer(id).remove({ force: true });
  });
});

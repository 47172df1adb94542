import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverSpecSchema } from '../config/server-spec.ts';
import { runLoad as runLoadProfile } from '../load/run-load.ts';
import { SimMetrics } from '../sim/metrics/sim-metrics.ts';
import { ProcessTarget } from './process-target.ts';
import { Reaper } from './reaper.ts';
import type { RunningServer } from './target.ts';

/**
 * A fake `nvidia-cuda-mps-control` (mock GPU). `-f` is the daemon: it records its start, creates
 * the control pipe and runs until a client sends `quit`; without -f it is a client reading one
 * command from stdin, like `echo quit | nvidia-cuda-mps-control`. Everything it sees is appended
 * to RECORD.
 */
const fakeMpsControl = (record: string, failStart = false) => `#!/usr/bin/env bash
pipe="\${CUDA_MPS_PIPE_DIRECTORY:?no pipe directory}"
log="\${CUDA_MPS_LOG_DIRECTORY:?no log directory}"
if [ "$1" = "-f" ]; then
  ${failStart ? 'echo "mock: cannot start MPS server: GPU is in exclusive-thread mode" >&2; exit 1' : ''}
  echo "start $$ gpus=$CUDA_VISIBLE_DEVICES pipe=$pipe log=$log" >> "${record}"
  touch "$pipe/control"
  while [ ! -e "$pipe/quit" ]; do sleep 0.05; done
  echo "exit $$" >> "${record}"
  exit 0
fi
read -r command
echo "client $command pipe=$pipe" >> "${record}"
[ "$command" = quit ] && touch "$pipe/quit"
exit 0
`;

/** A fake server: /health, /env (its environment), /die (exits), and /version when asked to be a stand-in. */
const FAKE_SERVER = `
import { createServer } from 'node:http';
const [port, standin] = process.argv.slice(2);
createServer((req, res) => {
  if (req.url === '/die') process.exit(4);
  if (req.url === '/env') return res.end(JSON.stringify(process.env));
  if (req.url === '/version' && standin === 'standin')
    return res.end(JSON.stringify({ version: '0.1.0+servebench-gpu-standin', standin: true }));
  res.statusCode = req.url === '/health' ? 200 : 404;
  res.end();
}).listen(Number(port), '127.0.0.1');
`;

const reaper = new Reaper();
afterAll(() => reaper.close());

async function setup(options: { failStart?: boolean; standin?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'servebench-mps-test-'));
  const record = join(dir, 'record.log');
  const control = join(dir, 'nvidia-cuda-mps-control');
  await writeFile(control, fakeMpsControl(record, options.failStart));
  await chmod(control, 0o755);
  const server = join(dir, 'server.mjs');
  await writeFile(server, FAKE_SERVER);
  const target = new ProcessTarget(
    [process.execPath, server, '{port}', options.standin ? 'standin' : 'plain'],
    reaper,
    { mpsControl: control, mpsParentDir: dir },
  );
  const lines = async () =>
    (await readFile(record, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
  return { dir, target, lines };
}

const context = { gpus: ['0', '1'], gpuNames: new Map([['0', 'Mock GPU']]) };

async function serverEnv(server: RunningServer): Promise<Record<string, string>> {
  return (await fetch(`${server.info.url}/env`)).json() as Promise<Record<string, string>>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('process target with MPS (mock GPU: fake nvidia-cuda-mps-control)', () => {
  it('starts a daemon with its own pipe and log directories, gives them and the percentage to the server, and quits it on stop', async () => {
    const { target, lines } = await setup();
    const server = await target.start(serverSpecSchema.parse({ mpsActiveThreadPercentage: 40 }), context);
    const env = await serverEnv(server);
    expect(env.CUDA_VISIBLE_DEVICES).toBe('0');
    expect(env.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE).toBe('40');
    expect(env.CUDA_MPS_PIPE_DIRECTORY).toMatch(/servebench-mps-[^/]+\/pipe$/);
    expect(env.CUDA_MPS_LOG_DIRECTORY).toMatch(/servebench-mps-[^/]+\/log$/);
    expect(existsSync(join(env.CUDA_MPS_PIPE_DIRECTORY as string, 'control'))).toBe(true);
    const [start] = await lines();
    expect(start).toMatch(
      new RegExp(`^start \\d+ gpus=0 pipe=${env.CUDA_MPS_PIPE_DIRECTORY} log=${env.CUDA_MPS_LOG_DIRECTORY}$`),
    );
    const daemonPid = Number(start?.split(' ')[1]);
    expect(alive(daemonPid)).toBe(true);

    await server.stop();
    expect(await lines()).toEqual([
      start,
      `client quit pipe=${env.CUDA_MPS_PIPE_DIRECTORY}`,
      `exit ${daemonPid}`,
    ]);
    expect(alive(daemonPid)).toBe(false);
    expect(existsSync(env.CUDA_MPS_PIPE_DIRECTORY as string)).toBe(false);
  });

  it('servers on the same GPUs share one daemon, which quits when the last one stops', async () => {
    const { target, lines } = await setup();
    const a = await target.start(serverSpecSchema.parse({ mpsActiveThreadPercentage: 20 }), context);
    const b = await target.start(serverSpecSchema.parse({ mpsActiveThreadPercentage: 80 }), context);
    const [envA, envB] = await Promise.all([serverEnv(a), serverEnv(b)]);
    expect(envA.CUDA_MPS_PIPE_DIRECTORY).toBe(envB.CUDA_MPS_PIPE_DIRECTORY);
    expect([envA.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE, envB.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE]).toEqual([
      '20',
      '80',
    ]);
    expect((await lines()).filter((l) => l.startsWith('start'))).toHaveLength(1);
    await a.stop();
    expect((await lines()).some((l) => l.startsWith('client quit'))).toBe(false);
    await b.stop();
    expect((await lines()).filter((l) => l.startsWith('client quit'))).toHaveLength(1);
  });

  it('a server that dies lets go of the daemon', async () => {
    const { target, lines } = await setup();
    const server = await target.start(serverSpecSchema.parse({ mpsActiveThreadPercentage: 60 }), context);
    await fetch(`${server.info.url}/die`).catch(() => {});
    await server.exited;
    await until(async () => (await lines()).some((l) => l.startsWith('exit')));
    expect((await lines()).map((l) => l.split(' ')[0])).toEqual(['start', 'client', 'exit']);
  });

  it('no daemon without a percentage or with mps: false; the percentage still reaches the server', async () => {
    const { target, lines } = await setup();
    const plain = await target.start(serverSpecSchema.parse({}), context);
    const external = await target.start(
      serverSpecSchema.parse({ mpsActiveThreadPercentage: 30, mps: false }),
      context,
    );
    const [plainEnv, externalEnv] = await Promise.all([serverEnv(plain), serverEnv(external)]);
    expect(plainEnv.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE).toBeUndefined();
    expect(externalEnv.CUDA_MPS_ACTIVE_THREAD_PERCENTAGE).toBe('30');
    expect(externalEnv.CUDA_MPS_PIPE_DIRECTORY).toBe(process.env.CUDA_MPS_PIPE_DIRECTORY);
    await Promise.all([plain.stop(), external.stop()]);
    expect(await lines()).toEqual([]);
  });

  it('a daemon that cannot start fails the server start with its message, and no server is started', async () => {
    const { target } = await setup({ failStart: true });
    const error = await target
      .start(serverSpecSchema.parse({ mpsActiveThreadPercentage: 50 }), context)
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/the MPS control daemon did not start/);
    expect((error as Error).message).toMatch(/GPU is in exclusive-thread mode/);
    expect((error as { code?: string }).code).toBe('SB_SERVER_START');
  });

  it("labels servebench's GPU stand-in in the hardware class and the server", async () => {
    const { target } = await setup({ standin: true });
    const server = await target.start(serverSpecSchema.parse({}), context);
    expect(server.info.hardware).toBe('standin:Mock GPU x1');
    expect(server.info.server).toBe('0.1.0+servebench-gpu-standin (servebench GPU stand-in, not vLLM)');
    await server.stop();
  });
});

describe("servebench's GPU stand-in through the process target (mock GPU: --engine sleep)", () => {
  const standIn = join(import.meta.dirname, '../../fixtures/gpu-server/server.py');
  const hasPython = (() => {
    try {
      execFileSync('python3', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  // Needs python3 for the stand-in; skipped (outside CI only) on a machine without it.
  it.skipIf(!hasPython && !process.env.CI)(
    `serves streaming completions and chat with usage, and the same vllm:* metric names as the simulator${hasPython ? '' : ' (skipped: no python3 here for the stand-in)'}`,
    async () => {
      const target = new ProcessTarget(
        ['python3', standIn, '--model', '{model}', '--port', '{port}', '--engine', 'sleep', '{args}'],
        reaper,
      );
      const server = await target.start(
        serverSpecSchema.parse({ args: ['--max-num-seqs', '8', '--max-model-len', '2048'] }),
        context,
      );
      try {
        expect(server.info.hardware).toBe('standin:Mock GPU x1');
        const models = (await (await fetch(`${server.info.url}/v1/models`)).json()) as {
          data: { id: string; owned_by: string }[];
        };
        expect(models.data[0]).toMatchObject({
          id: 'Qwen/Qwen2.5-1.5B-Instruct',
          owned_by: 'servebench-gpu-standin',
        });
        const head = await fetch(`${server.info.url}/health`);
        expect(head.headers.get('x-servebench-standin')).toBe('1');

        for (const endpoint of ['/v1/completions', '/v1/chat/completions']) {
          const result = await runLoadProfile({
            baseUrl: server.info.url,
            endpoint,
            arrival: { kind: 'poisson', rate: 20 },
            requests: 12,
            dataset: { name: 'random', input_len: 64, output_len: 16 },
          });
          expect(result.summary.failed, endpoint).toBe(0);
          expect(result.summary.completed).toBe(12);
          expect(result.summary.total_output_tokens).toBe(12 * 16);
          // Completions send token ids: the server counts exactly the 64 sent.
          if (endpoint === '/v1/completions') expect(result.summary.total_input_tokens).toBe(12 * 64);
        }

        const text = await (await fetch(`${server.info.url}/metrics`)).text();
        const names = (body: string) =>
          new Set([...body.matchAll(/^# TYPE (vllm:\S+) (\w+)$/gm)].map((m) => `${m[1]} ${m[2]}`));
        const simulator = new SimMetrics('m', () => [], {}).render();
        expect(names(text)).toEqual(names(simulator));
        expect(text).toMatch(
          /^vllm:request_success_total\{engine="0",model_name="[^"]+",finished_reason="length"\} 24\.0$/m,
        );
        expect(text).toMatch(/^servebench:standin_info\{[^\n]*standin="true"[^\n]*\} 1\.0$/m);
      } finally {
        await server.stop();
      }
    },
  );
});

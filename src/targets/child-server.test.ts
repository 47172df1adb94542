import { describe, expect, it } from 'vitest';
import { Secrets } from '../core/secrets.ts';
import { freePort, startChildServer } from './child-server.ts';
import { expandCommand } from './process-target.ts';
import type { ServerInfo } from './target.ts';

const info = (port: number): ServerInfo => ({
  url: `http://127.0.0.1:${port}`,
  model: 'm',
  target: 'process',
  simulated: false,
  hardware: 'test',
  server: 'node',
  serverArgs: [],
  gpus: [],
});

describe('child servers (real processes)', () => {
  it('a server that exits before it is healthy fails fast with its last log lines, secrets masked', async () => {
    const port = await freePort();
    const started = performance.now();
    const error = await startChildServer({
      command: process.execPath,
      args: [
        '-e',
        "console.log('loading model with token hf_SECRET123'); console.error('CUDA out of memory'); process.exit(3)",
      ],
      env: process.env,
      info: info(port),
      startupTimeoutMs: 30_000,
      secrets: new Secrets(['hf_SECRET123']),
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/failed to become healthy: server exited \(code 3\)/);
    expect((error as Error).message).toMatch(/CUDA out of memory/);
    expect((error as Error).message).toMatch(/token \*\*\*/);
    expect((error as Error).message).not.toMatch(/hf_SECRET123/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a server that never answers /health times out with a clear error', async () => {
    const port = await freePort();
    const error = await startChildServer({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      env: process.env,
      info: info(port),
      startupTimeoutMs: 800,
    }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/not healthy after 1 s \(ECONNREFUSED\)/);
  });

  it('starts the simulator as a process, reports its death after a crash, and stops it', async () => {
    const port = await freePort();
    const server = await startChildServer({
      command: process.execPath,
      args: [
        new URL('../sim/main.ts', import.meta.url).pathname,
        '--port',
        String(port),
        '--fault-crash-after',
        '1',
      ],
      env: process.env,
      info: info(port),
      startupTimeoutMs: 10_000,
    });
    const body = JSON.stringify({ model: 'Qwen/Qwen2.5-1.5B-Instruct', prompt: 'hi', max_tokens: 2 });
    const post = () =>
      fetch(`${server.info.url}/v1/completions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      }).catch(() => null);
    await post();
    await post();
    const died = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
    expect(String(died)).toMatch(/server exited \(code 70\)/);
    await server.stop();
  });

  it('expands {model}, {port} and {args} in a command template', () => {
    expect(
      expandCommand(['vllm', 'serve', '{model}', '--port', '{port}', '{args}'], {
        model: 'q',
        port: 9,
        args: ['-tp', '2'],
      }),
    ).toEqual(['vllm', 'serve', 'q', '--port', '9', '-tp', '2']);
  });
});

import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverSpecSchema } from '../config/server-spec.ts';
import { llamaCppEngine, llamaServerArgs } from './llama-cpp.ts';
import { ProcessTarget } from './process-target.ts';
import { Reaper } from './reaper.ts';
import { ServerManager } from './server-manager.ts';
import { SimTarget } from './sim-target.ts';

const spec = (input: Record<string, unknown>) => serverSpecSchema.parse({ engine: 'llama.cpp', ...input });

describe('llama-server arguments from a server spec', () => {
  it('translates slots, context per slot and GPU offload, and passes its own flags as given', () => {
    const args = llamaServerArgs(
      spec({
        model: '/m/qwen.gguf',
        gpus: 1,
        args: ['--max-num-seqs', '16', '--max-model-len=4096', '--flash-attn', 'on', '-b', '2048'],
      }),
      8123,
    );
    expect(args).toEqual([
      '--model',
      '/m/qwen.gguf',
      '--alias',
      'qwen.gguf',
      '--host',
      '127.0.0.1',
      '--port',
      '8123',
      '--metrics',
      '--parallel',
      '16',
      '--ctx-size',
      String(16 * 4096),
      '--n-gpu-layers',
      'all',
      '--flash-attn',
      'on',
      '-b',
      '2048',
    ]);
  });

  it('runs on the CPU with gpus 0, and sizes the context for the default 4 slots', () => {
    const args = llamaServerArgs(spec({ model: 'tiny.gguf', gpus: 0, args: ['--max-model-len', '1024'] }), 1);
    expect(args.slice(9)).toEqual(['--ctx-size', '4096', '--n-gpu-layers', '0', '--device', 'none']);
  });

  it('names the flag and what it expected when a translated value is bad', () => {
    expect(() => llamaServerArgs(spec({ args: ['--max-num-seqs', 'many'] }), 1)).toThrow(
      "--max-num-seqs: expected a positive integer, got 'many'",
    );
    expect(() => llamaServerArgs(spec({ args: ['--max-model-len'] }), 1)).toThrow(
      '--max-model-len: expected a value after it',
    );
  });
});

/** A loopback server answering /props like llama-server (the shape of tools/server/server-context.cpp). */
async function propsServer(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/props' ? 200 : 404;
    res.end(req.url === '/props' ? JSON.stringify(body) : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('what llama-server says about itself (/props on a loopback server)', () => {
  it('reads version, build and slots from build_info and total_slots', async () => {
    const server = await propsServer({ build_info: 'b6512-80fb11a', total_slots: 16, model_path: 'x' });
    try {
      expect(await llamaCppEngine(server.url)).toEqual({
        name: 'llama.cpp',
        version: 'b6512',
        build: '80fb11a',
        slots: 16,
      });
    } finally {
      await server.close();
    }
  });

  it('is null for a server that is not llama-server', async () => {
    const server = await propsServer({ something: 'else' });
    try {
      expect(await llamaCppEngine(server.url)).toBeNull();
      expect(await llamaCppEngine('http://127.0.0.1:1')).toBeNull();
    } finally {
      await server.close();
    }
  });
});

/**
 * A stand-in for the llama-server binary (the real one runs in suites/llama-cpp): it serves
 * /health, /props and /argv (the arguments it was started with) on the --port it is given.
 */
const FAKE_LLAMA_SERVER = `#!/usr/bin/env node
import { createServer } from 'node:http';
const argv = process.argv.slice(2);
const port = Number(argv[argv.indexOf('--port') + 1]);
createServer((req, res) => {
  if (req.url === '/argv') return res.end(JSON.stringify(argv));
  if (req.url === '/props') return res.end(JSON.stringify({ build_info: 'b1-80fb11a', total_slots: 2 }));
  res.statusCode = req.url === '/health' ? 200 : 404;
  res.end();
}).listen(port, '127.0.0.1');
`;

describe("engine 'llama.cpp' on the process target (a fake llama-server that echoes its arguments)", () => {
  const reaper = new Reaper();
  afterAll(() => reaper.close());

  it('starts llama-server with the translated flags on a CPU lease and records engine, build and hardware', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servebench-llama-test-'));
    const binary = join(dir, 'llama-server');
    await writeFile(binary, FAKE_LLAMA_SERVER);
    await chmod(binary, 0o755);
    const target = new ProcessTarget(undefined, reaper, { llamaServer: binary });
    const server = await target.start(
      spec({
        model: join(dir, 'tiny.gguf'),
        gpus: 0,
        args: ['--max-num-seqs', '2', '--api-key', 'sk-secret'],
      }),
      { gpus: [], gpuNames: new Map() },
    );
    try {
      const argv = (await (await fetch(`${server.info.url}/argv`)).json()) as string[];
      expect(argv).toContain('--parallel');
      expect(argv.slice(argv.indexOf('--n-gpu-layers'), argv.indexOf('--n-gpu-layers') + 4)).toEqual([
        '--n-gpu-layers',
        '0',
        '--device',
        'none',
      ]);
      expect(server.info.hardware).toBe(
        `llama.cpp:cpu:${cpus()[0]?.model.trim().replace(/\s+/g, ' ')} x${cpus().length}`,
      );
      expect(server.info.server).toBe('llama.cpp b1 (80fb11a)');
      expect(server.info.engine).toEqual({ name: 'llama.cpp', version: 'b1', build: '80fb11a', slots: 2 });
      expect(server.info.gpus).toEqual([]);
      // Served and keyed by the file's name, wherever the file lies.
      expect(server.info.model).toBe('tiny.gguf');
      // What is recorded is what llama-server ran with, its secret masked.
      expect(server.info.serverArgs).toEqual(argv.map((a) => (a === 'sk-secret' ? '***' : a)));
      expect(server.info.serverArgs).not.toContain('sk-secret');
    } finally {
      await server.stop();
    }
  });

  it('refuses a GPU server on a lease without GPUs, naming both fixes', async () => {
    const target = new ProcessTarget(undefined, reaper, { llamaServer: '/nonexistent/llama-server' });
    await expect(target.start(spec({ gpus: 1 }), { gpus: [], gpuNames: new Map() })).rejects.toMatchObject({
      code: 'SB_SERVER_START',
      message: expect.stringContaining("lease has none (the plugin's gpus: 'none')"),
      hint: expect.stringContaining('gpus: 0'),
    });
  });

  it('the simulator refuses llama.cpp and CPU servers before starting anything', async () => {
    const manager = new ServerManager(new SimTarget(reaper));
    const context = { gpus: ['virtual0'], gpuNames: new Map() };
    await expect(manager.acquire({ engine: 'llama.cpp' }, context)).rejects.toThrow(
      "engine 'llama.cpp' runs on the process target, and this run's target is 'sim'",
    );
    await expect(manager.acquire({ gpus: 0 }, context)).rejects.toThrow('cannot be simulated');
  });
});

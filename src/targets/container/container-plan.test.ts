import { describe, expect, it } from 'vitest';
import { containerOptionsSchema } from '../../config/plugin-options.ts';
import { serverSpecSchema } from '../../config/server-spec.ts';
import { deviceRequests, type PlanInput, parseSize, planServer, selectGpus } from './container-plan.ts';
import { LABEL } from './labels.ts';

const owner = { runId: '42-abcdef12', host: 'box', pid: 42, pidStart: '1234' };

function input(spec: object = {}, options: object = {}, extra: Partial<PlanInput> = {}): PlanInput {
  return {
    spec: serverSpecSchema.parse(spec),
    options: containerOptionsSchema.parse(options),
    context: { gpus: ['2', '3'], gpuNames: new Map([['2', 'NVIDIA H100 80GB HBM3']]) },
    owner,
    image: 'vllm/vllm-openai:v0.11.0',
    simulator: false,
    port: 8123,
    bindHost: '127.0.0.1',
    env: {},
    homeDir: '/home/u',
    ...extra,
  };
}

describe('container plan', () => {
  it('maps the spec to vLLM image flags: --model M --host 127.0.0.1 --port P, then the args', () => {
    const plan = planServer(input({ model: 'm/x', args: ['--max-num-seqs', '16'] }));
    expect(plan.cmd).toEqual([
      '--model',
      'm/x',
      '--host',
      '127.0.0.1',
      '--port',
      '8123',
      '--max-num-seqs',
      '16',
    ]);
    expect(plan.serverArgs).toEqual(['--max-num-seqs', '16']);
    expect(plan.entrypoint).toBeUndefined();
  });

  it('gives the simulator image its hardware profile and MPS share as flags', () => {
    const plan = planServer(input({ simGpu: 'L4', mpsActiveThreadPercentage: 30 }, {}, { simulator: true }));
    expect(plan.cmd.slice(6)).toEqual(['--gpu', 'L4', '--mps-active-thread-percentage', '30']);
    expect(plan.serverArgs).toEqual(['--mps-active-thread-percentage', '30']);
  });

  it('asks for the leased GPU ids, all GPUs, or none', () => {
    const spec = serverSpecSchema.parse({ gpus: 2 });
    const context = { gpus: ['2', '3', '5'], gpuNames: new Map() };
    expect(deviceRequests(selectGpus(spec, context, 'lease'))).toEqual([
      { Driver: 'nvidia', DeviceIDs: ['2', '3'], Capabilities: [['gpu']] },
    ]);
    expect(deviceRequests(selectGpus(spec, context, 'all'))).toEqual([
      { Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] },
    ]);
    expect(deviceRequests(selectGpus(spec, context, 'none'))).toEqual([]);
    expect(() =>
      selectGpus(serverSpecSchema.parse({ gpus: 3 }), { gpus: ['0'], gpuNames: new Map() }, 'lease'),
    ).toThrow(/needs 3 GPUs but this test file's lease has 1 \(0\)/);
  });

  it('uses the host IPC namespace by default, a private one with shmSize, and host for MPS', () => {
    expect(planServer(input()).ipcMode).toBe('host');
    const shm = planServer(input({}, { shmSize: '16g' }));
    expect([shm.ipcMode, shm.shmSizeBytes]).toEqual(['private', 16 * 1024 ** 3]);
    const mps = planServer(input({ mpsActiveThreadPercentage: 40 }, { shmSize: '16g' }));
    expect([mps.ipcMode, mps.shmSizeBytes]).toEqual(['host', undefined]);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5GB')).toBe(1.5 * 1024 ** 3);
    expect(() => parseSize('lots')).toThrow(/not a size/);
  });

  it('mounts the model cache (~ expanded), or nothing when cacheDir is false', () => {
    expect(planServer(input()).binds).toEqual(['/home/u/.cache/huggingface:/root/.cache/huggingface:rw']);
    expect(planServer(input({}, { cacheDir: false })).binds).toEqual([]);
  });

  it('sets MPS variables for the server, plus the companion pipe directories and binds', () => {
    const plan = planServer(
      input(
        { mpsActiveThreadPercentage: 25, mpsPinnedDeviceMemLimit: '0=20G' },
        { cacheDir: false },
        {
          mps: { env: { CUDA_MPS_PIPE_DIRECTORY: '/tmp/nvidia-mps' }, binds: ['/h/pipe:/tmp/nvidia-mps:rw'] },
        },
      ),
    );
    expect(plan.env).toEqual({
      CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: '25',
      CUDA_MPS_PINNED_DEVICE_MEM_LIMIT: '0=20G',
      CUDA_MPS_PIPE_DIRECTORY: '/tmp/nvidia-mps',
    });
    expect(plan.binds).toEqual(['/h/pipe:/tmp/nvidia-mps:rw']);
  });

  it('passes HF_TOKEN through and masks it (and other secrets) in args and labels', () => {
    const plan = planServer(
      input(
        { args: ['--hf-token', 'hf_abcdef123456'], env: { MY_API_KEY: 'k-999999' } },
        {},
        {
          env: { HF_TOKEN: 'hf_abcdef123456', UNRELATED: 'x' },
        },
      ),
    );
    expect(plan.env).toEqual({ HF_TOKEN: 'hf_abcdef123456', MY_API_KEY: 'k-999999' });
    expect(plan.serverArgs).toEqual(['--hf-token', '***']);
    expect(JSON.stringify(plan.labels)).not.toMatch(/hf_abcdef123456|k-999999/);
    expect(plan.secrets.mask('token k-999999 and hf_abcdef123456')).toBe('token *** and ***');
  });

  it('labels the run owner and mirrors the host config that the reuse hash would miss', () => {
    const plan = planServer(input({ gpus: 2 }, { shmSize: '1g', labels: { team: 'infra' } }));
    expect(plan.labels).toMatchObject({
      team: 'infra',
      [LABEL.run]: '42-abcdef12',
      [LABEL.ownerHost]: 'box',
      [LABEL.ownerPid]: '42',
      [LABEL.ownerStart]: '1234',
      [LABEL.role]: 'server',
      [LABEL.port]: '8123',
      'servebench.gpus': '2,3',
      'servebench.ipc': 'private',
      'servebench.shm-size': String(1024 ** 3),
      'servebench.network': 'host',
    });
    expect(plan.labels[LABEL.reuseKey]).toBeUndefined();
    const reusable = planServer(input({}, { reuse: true, idleTtlS: 30 }));
    expect(reusable.labels[LABEL.reuseKey]).toBe(reusable.reuseKey);
    expect(reusable.labels[LABEL.idleTtlS]).toBe('30');
    // An MPS server holds per-experiment daemon state: never reused.
    expect(planServer(input({ mps: true }, { reuse: true })).labels[LABEL.reuseKey]).toBeUndefined();
  });

  it('gives equal reuse keys only to interchangeable servers (the port aside)', () => {
    const key = (spec: object = {}, options: object = {}, extra: Partial<PlanInput> = {}) =>
      planServer(input(spec, options, extra)).reuseKey;
    const base = key();
    expect(key({}, {}, { port: 9999 })).toBe(base);
    expect(key({}, {}, { owner: { ...owner, runId: 'other', pid: 7 } })).toBe(base);
    expect(key({ args: ['--max-num-seqs', '8'] })).not.toBe(base);
    expect(key({ gpus: 2 })).not.toBe(base);
    expect(key({}, { shmSize: '8g' })).not.toBe(base);
    expect(key({}, { gpus: 'all' })).not.toBe(base);
    expect(key({}, {}, { image: 'vllm/vllm-openai:v0.12.0' })).not.toBe(base);
    expect(key({}, {}, { env: { HF_TOKEN: 'hf_other_token' } })).not.toBe(base);
  });
});

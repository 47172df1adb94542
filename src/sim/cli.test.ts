import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.ts';
import { SimConfigError } from './config.ts';

function errorOf(argv: string[]): SimConfigError {
  try {
    parseCli(argv);
  } catch (e) {
    if (e instanceof SimConfigError) return e;
    throw e;
  }
  throw new Error('expected a SimConfigError');
}

describe('simulator flags', () => {
  it('takes vLLM flag names and fills vLLM defaults by GPU', () => {
    const c = parseCli([
      '--model',
      'Qwen/Qwen2.5-1.5B-Instruct',
      '--gpu',
      'RTX-4090',
      '--max-num-seqs',
      '16',
    ]);
    if (c === 'help') throw new Error('unexpected help');
    expect(c.model.id).toBe('Qwen/Qwen2.5-1.5B-Instruct');
    expect(c.hardware.id).toBe('RTX-4090');
    expect(c.maxNumSeqs).toBe(16);
    expect(c.maxNumBatchedTokens).toBe(2048);
    expect(c.maxModelLen).toBe(32_768);
    expect(c.gpuMemoryUtilization).toBe(0.9);
    const h100 = parseCli(['--gpu', 'h100', '--model', 'llama-3.1-8b-instruct', '--data-parallel-size', '4']);
    if (h100 === 'help') throw new Error('unexpected help');
    expect(h100.maxNumBatchedTokens).toBe(8192);
    expect(h100.maxNumSeqs).toBe(1024);
    expect(h100.dataParallelSize).toBe(4);
    expect(h100.model.id).toBe('meta-llama/Llama-3.1-8B-Instruct');
  });

  it('reproduces seed 004: KV capacity of Qwen2.5-1.5B on an RTX 4090 at 0.9 (665,872 tokens)', () => {
    const c = parseCli(['--gpu', 'RTX-4090', '--max-model-len', '2048']);
    if (c === 'help') throw new Error('unexpected help');
    expect(Math.abs(c.kvBlocksPerEngine * 16 - 665_872) / 665_872).toBeLessThan(0.02);
  });

  it('names the flag and the expectation in errors', () => {
    expect(errorOf(['--max-num-seqs', 'abc']).message).toMatch(/^--max-num-seqs: .*number.*got 'abc'/);
    expect(errorOf(['--gpu-memory-utilization', '1.5']).message).toMatch(/^--gpu-memory-utilization: /);
    expect(errorOf(['--mps-active-thread-percentage', '0']).message).toMatch(
      /^--mps-active-thread-percentage: /,
    );
    expect(errorOf(['--fault-429-rate', '2']).message).toMatch(/^--fault-429-rate: /);
    expect(errorOf(['--fault-slowdown', '0.5']).message).toMatch(/^--fault-slowdown: .*>=1.*got '0.5'/);
    expect(errorOf(['--gpu', 'TPU']).message).toMatch(/--gpu: unknown GPU 'TPU'; known: H100/);
    expect(errorOf(['--model', 'gpt-4']).message).toMatch(/--model: unknown model/);
    expect(errorOf(['--nope', '1']).message).toMatch(/nope/);
  });

  it('refuses deployments that cannot hold the model or its context', () => {
    const e = errorOf(['--model', 'meta-llama/Llama-3.1-70B-Instruct', '--gpu', 'L4']);
    expect(e.code).toBe('SIM_BAD_CONFIG');
    expect(e.hint).toMatch(/tensor-parallel-size/);
    expect(errorOf(['--max-model-len', '100000']).message).toMatch(/max_position_embeddings/);
    expect(errorOf(['--model', 'Qwen/Qwen2.5-7B-Instruct', '--tensor-parallel-size', '3']).message).toMatch(
      /divide/,
    );
    const tp = parseCli([
      '--model',
      'meta-llama/Llama-3.1-70B-Instruct',
      '--gpu',
      'H100',
      '--tensor-parallel-size',
      '4',
    ]);
    expect(tp).not.toBe('help');
  });
});

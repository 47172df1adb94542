import { describe, expect, it } from 'vitest';
import { hardwareProfiles } from '../profiles/hardware.ts';
import { modelProfiles, totalParams, weightBytes } from '../profiles/models.ts';
import { mpsScaling } from './mps.ts';
import { type BatchItem, StepTimeModel } from './step-time.ts';

const qwen15 = modelProfiles['Qwen/Qwen2.5-1.5B-Instruct'];
const llama8 = modelProfiles['meta-llama/Llama-3.1-8B-Instruct'];
const decode = (n: number, context = 100): BatchItem[] =>
  Array.from({ length: n }, () => ({ computedTokens: context, newTokens: 1, sampled: true }));

describe('model profiles', () => {
  it('derive parameter counts that match the published sizes', () => {
    expect(totalParams(qwen15) / 1e9).toBeCloseTo(1.54, 1);
    expect(totalParams(llama8) / 1e9).toBeCloseTo(8.03, 1);
    expect(totalParams(modelProfiles['meta-llama/Llama-3.1-70B-Instruct']) / 1e9).toBeCloseTo(70.6, 0);
    expect(totalParams(modelProfiles['Qwen/Qwen2.5-7B-Instruct']) / 1e9).toBeCloseTo(7.6, 1);
    // Seed 004 logged 2.91 GiB of weights for Qwen2.5-1.5B in bf16.
    expect(weightBytes(qwen15) / 1024 ** 3).toBeCloseTo(2.88, 1);
  });
});

describe('step-time model', () => {
  const model = new StepTimeModel({ hardware: hardwareProfiles['RTX-4090'], model: qwen15 });

  it('makes small-batch decode memory-bound: time barely grows with the batch', () => {
    const one = model.stepTime(decode(1));
    const sixteen = model.stepTime(decode(16));
    expect(one.computeBound).toBe(false);
    expect(sixteen.total / one.total).toBeLessThan(1.4);
    // Weights over bandwidth is the floor of any step.
    expect(one.total).toBeGreaterThan(weightBytes(qwen15) / hardwareProfiles['RTX-4090'].memoryBandwidth);
  });

  it('makes prefill compute-bound: time grows with prompt length', () => {
    const short = model.stepTime([{ computedTokens: 0, newTokens: 256, sampled: true }]);
    const long = model.stepTime([{ computedTokens: 0, newTokens: 2048, sampled: true }]);
    expect(long.computeBound).toBe(true);
    expect(long.total / short.total).toBeGreaterThan(4);
  });

  it('charges attention for long contexts', () => {
    expect(model.stepTime(decode(32, 8000)).attention).toBeGreaterThan(
      5 * model.stepTime(decode(32, 100)).attention,
    );
  });

  it('follows the measured MPS table: compute ~ SM share, bandwidth much less on an H100', () => {
    const h100 = hardwareProfiles.H100;
    const at = (p: number) => mpsScaling(p, h100, h100.memoryBandwidth * 0.84);
    expect(at(20).compute).toBeCloseTo(189 / 799, 3);
    expect(at(50).compute).toBeCloseTo(447 / 799, 3);
    // GEMV column: 1918 / 2782 at 20 %, 1207 / 2782 at 10 %, within a few percent.
    expect(at(20).bandwidth).toBeCloseTo(1918 / 2782, 1);
    expect(at(10).bandwidth).toBeCloseTo(1207 / 2782, 1);
    expect(at(100)).toEqual({ compute: 1, bandwidth: 1 });
  });

  it('slows prefill far more than decode under MPS 20 %', () => {
    const mps20 = new StepTimeModel({
      hardware: hardwareProfiles['RTX-4090'],
      model: qwen15,
      mpsActiveThreadPercentage: 20,
    });
    const prefill = [{ computedTokens: 0, newTokens: 512, sampled: true }];
    const prefillRatio = mps20.stepTime(prefill).total / model.stepTime(prefill).total;
    const decodeRatio = mps20.stepTime(decode(4)).total / model.stepTime(decode(4)).total;
    expect(prefillRatio).toBeGreaterThan(2.5);
    expect(decodeRatio).toBeLessThan(1.3);
  });

  it('splits work across tensor-parallel GPUs and pays all-reduces, more on PCIe than NVLink', () => {
    const tp1 = new StepTimeModel({ hardware: hardwareProfiles.H100, model: llama8 });
    const tp2 = new StepTimeModel({ hardware: hardwareProfiles.H100, model: llama8, tensorParallelSize: 2 });
    const batch = decode(8, 500);
    expect(tp2.stepTime(batch).linear).toBeCloseTo(tp1.stepTime(batch).linear / 2, 6);
    expect(tp2.stepTime(batch).allReduce).toBeGreaterThan(0);
    expect(tp2.stepTime(batch).total).toBeLessThan(tp1.stepTime(batch).total);
    const l4 = new StepTimeModel({ hardware: hardwareProfiles.L4, model: llama8, tensorParallelSize: 2 });
    expect(l4.stepTime(batch).allReduce).toBeGreaterThan(2 * tp2.stepTime(batch).allReduce);
  });
});

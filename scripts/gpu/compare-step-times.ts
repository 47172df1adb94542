/**
 * The simulator's H100 step times for Qwen2.5-1.5B next to the GPU stand-in's measured ones
 * (fixtures/gpu-server/server.py --benchmark), as Markdown tables for docs/gpu-validation.md:
 *
 *   node scripts/gpu/compare-step-times.ts benchmark.json [benchmark-mps-20.json ...]
 *
 * Simulator columns: `GPU part` = linear + attention of src/sim/perf/step-time.ts (what the
 * stand-in's CUDA events measure), `step` = with the modelled host overhead (what vLLM's step
 * costs; compare with the stand-in's wall time per step()).
 */
import { readFileSync } from 'node:fs';
import { type BatchItem, StepTimeModel } from '../../src/sim/perf/step-time.ts';
import { hardwareProfiles } from '../../src/sim/profiles/hardware.ts';
import { modelProfiles } from '../../src/sim/profiles/models.ts';

interface Benchmark {
  prefill: { tokens: number; gpu_ms: number; wall_ms: number; gpu_ms_per_1k_tokens: number }[];
  decode: { batch: number; context: number; gpu_ms: number; wall_ms: number }[];
}

const model = modelProfiles['Qwen/Qwen2.5-1.5B-Instruct'];
const sim = (mps = 100) =>
  new StepTimeModel({ hardware: hardwareProfiles.H100, model, mpsActiveThreadPercentage: mps });
const prefill = (tokens: number): BatchItem[] => [{ computedTokens: 0, newTokens: tokens, sampled: true }];
const decode = (batch: number, context: number): BatchItem[] =>
  Array.from({ length: batch }, () => ({ computedTokens: context - 1, newTokens: 1, sampled: true }));
const ms = (s: number) => (s * 1000).toFixed(2);
const gpuPart = (m: StepTimeModel, items: BatchItem[]) => {
  const b = m.stepTime(items);
  return b.linear + b.attention;
};

function tables(file: string): string {
  const bench = JSON.parse(readFileSync(file, 'utf8')) as Benchmark;
  const m = sim();
  const out = [
    `Prefill, one sequence (${file}):`,
    '',
    '| prompt tokens | stand-in GPU ms | stand-in ms / 1k tokens | stand-in wall ms | sim GPU part ms | sim ms / 1k tokens | sim step ms | stand-in / sim (GPU) |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const p of bench.prefill) {
    const g = gpuPart(m, prefill(p.tokens));
    out.push(
      `| ${p.tokens} | ${p.gpu_ms.toFixed(2)} | ${p.gpu_ms_per_1k_tokens.toFixed(2)} | ${p.wall_ms.toFixed(2)} | ${ms(g)} | ${ms((g * 1000) / p.tokens)} | ${ms(m.stepTime(prefill(p.tokens)).total)} | ${(p.gpu_ms / (g * 1000)).toFixed(2)} |`,
    );
  }
  out.push(
    '',
    'Decode step, every sequence at the given context:',
    '',
    '| batch | context | stand-in GPU ms | stand-in wall ms | sim GPU part ms | sim step ms | stand-in / sim (GPU) |',
    '|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const d of bench.decode) {
    const g = gpuPart(m, decode(d.batch, d.context));
    out.push(
      `| ${d.batch} | ${d.context} | ${d.gpu_ms.toFixed(2)} | ${d.wall_ms.toFixed(2)} | ${ms(g)} | ${ms(m.stepTime(decode(d.batch, d.context)).total)} | ${(d.gpu_ms / (g * 1000)).toFixed(2)} |`,
    );
  }
  return out.join('\n');
}

/** Files named benchmark-mps-<p>.json: measured and simulated slow-down against 100 %. */
function mpsTable(files: string[]): string {
  const byPercent = new Map<number, Benchmark>();
  for (const f of files) {
    const p = Number(/mps-(\d+)\.json$/.exec(f)?.[1]);
    if (Number.isFinite(p)) byPercent.set(p, JSON.parse(readFileSync(f, 'utf8')) as Benchmark);
  }
  const full = byPercent.get(100);
  if (!full) return '';
  const out = [
    'Under an MPS daemon, GPU ms per step and the slow-down against 100 % (stand-in measured / simulator):',
    '',
    '| MPS % | step | stand-in GPU ms | stand-in x | sim GPU part ms | sim x |',
    '|--:|---|--:|--:|--:|--:|',
  ];
  for (const [p, bench] of [...byPercent].sort((a, b) => a[0] - b[0])) {
    const m = sim(p);
    const m100 = sim(100);
    for (const [i, pre] of bench.prefill.entries()) {
      const g = gpuPart(m, prefill(pre.tokens));
      const base = full.prefill[i]?.gpu_ms ?? Number.NaN;
      out.push(
        `| ${p} | prefill ${pre.tokens} | ${pre.gpu_ms.toFixed(2)} | ${(pre.gpu_ms / base).toFixed(2)} | ${ms(g)} | ${(g / gpuPart(m100, prefill(pre.tokens))).toFixed(2)} |`,
      );
    }
    for (const [i, d] of bench.decode.entries()) {
      const items = decode(d.batch, d.context);
      const g = gpuPart(m, items);
      const base = full.decode[i]?.gpu_ms ?? Number.NaN;
      out.push(
        `| ${p} | decode B=${d.batch} C=${d.context} | ${d.gpu_ms.toFixed(2)} | ${(d.gpu_ms / base).toFixed(2)} | ${ms(g)} | ${(g / gpuPart(m100, items)).toFixed(2)} |`,
      );
    }
  }
  return out.join('\n');
}

const [main, ...mps] = process.argv.slice(2);
if (!main) {
  console.error('usage: node scripts/gpu/compare-step-times.ts benchmark.json [benchmark-mps-P.json ...]');
  process.exit(2);
}
console.log(tables(main));
const extra = mpsTable(mps);
if (extra) console.log(`\n${extra}`);

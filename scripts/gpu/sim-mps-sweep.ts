/**
 * What the simulator predicts for the GPU run's exact MPS workload: the raw records of a
 * stand-in MPS sweep (arrival times, prompt and output tokens of every request) replayed through
 * the simulator's engine in virtual time on its H100 profile at each MPS percentage, next to what
 * the stand-in measured. Markdown for docs/gpu-validation.md:
 *
 *   node scripts/gpu/sim-mps-sweep.ts results/gpu/raw/gpu-mps-stand-in-qwen2-5-1-5b-at-4-req-s
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOffline } from '../../src/sim/engine/offline.ts';
import { hardwareProfiles } from '../../src/sim/profiles/hardware.ts';
import { modelProfiles } from '../../src/sim/profiles/models.ts';

interface RawRecord {
  ok: boolean;
  scheduled_ms: number;
  sent_ms: number;
  chunk_ms: number[];
  end_ms: number;
  prompt_tokens: number;
  output_tokens: number;
  warmup: boolean;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function measured(records: RawRecord[]) {
  const ok = records.filter((r) => r.ok && !r.warmup);
  const itl = ok.flatMap((r) => r.chunk_ms.slice(1).map((t, i) => t - (r.chunk_ms[i] as number)));
  return {
    ttft: mean(ok.map((r) => (r.chunk_ms[0] as number) - r.sent_ms)),
    itl: mean(itl),
  };
}

function simulated(records: RawRecord[], percent: number) {
  const ok = records.filter((r) => r.ok && !r.warmup);
  const run = runOffline(
    {
      hardware: hardwareProfiles.H100,
      model: modelProfiles['Qwen/Qwen2.5-1.5B-Instruct'],
      tensorParallelSize: 1,
      dataParallelSize: 1,
      maxNumSeqs: 64,
      maxNumBatchedTokens: 4096,
      gpuMemoryUtilization: 0.9,
      mpsActiveThreadPercentage: percent,
    },
    ok.map((r) => ({
      at: r.scheduled_ms / 1000,
      promptTokens: r.prompt_tokens,
      outputTokens: r.output_tokens,
    })),
  );
  return {
    ttft: mean(run.results.map((r) => r.ttft * 1000)),
    itl: mean(run.results.flatMap((r) => r.itl.map((g) => g * 1000))),
  };
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/gpu/sim-mps-sweep.ts RAW_DIR_OF_AN_MPS_SWEEP');
  process.exit(2);
}
const points = readdirSync(dir)
  .map((f) => ({ percent: Number(/^(\d+)-active/.exec(f)?.[1]), file: join(dir, f) }))
  .filter((p) => Number.isFinite(p.percent))
  .sort((a, b) => a.percent - b.percent);
const rows = points.map(({ percent, file }) => {
  const records = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RawRecord);
  return { percent, m: measured(records), s: simulated(records, percent) };
});
const full = rows.find((r) => r.percent === 100);
if (!full) throw new Error('no 100% point');
console.log(
  '| MPS % | stand-in mean TTFT ms | x 100% | sim mean TTFT ms | x 100% | stand-in mean ITL ms | x 100% | sim mean ITL ms | x 100% |',
);
console.log('|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const r of rows) {
  const f = (v: number) => v.toFixed(2);
  console.log(
    `| ${r.percent} | ${f(r.m.ttft)} | ${f(r.m.ttft / full.m.ttft)} | ${f(r.s.ttft)} | ${f(r.s.ttft / full.s.ttft)} | ` +
      `${f(r.m.itl)} | ${f(r.m.itl / full.m.itl)} | ${f(r.s.itl)} | ${f(r.s.itl / full.s.itl)} |`,
  );
}

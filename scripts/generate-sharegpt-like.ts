/**
 * Writes fixtures/sharegpt-like-seed000.jsonl: 100 requests with ShareGPT-like lengths (log-normal
 * prompts of ~190 tokens and outputs of ~240 on average, vLLM's filters; the lengths the simulator's
 * seed-000 calibration in src/sim/calibration uses), the workload suites/mps serves. The prompts
 * are common English words that are one token each in the usual BPE vocabularies and in the
 * simulator's tokenizer, so the lengths hold on a real engine too. Real ShareGPT cannot be
 * downloaded here, and fixtures/sharegpt-small.json's prompts are too short for seed 000's TTFT
 * ratios. Deterministic: `node scripts/generate-sharegpt-like.ts` rewrites the same file.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../src/core/rng.ts';
import { ONE_TOKEN_WORDS } from '../src/datasets/text-prompts.ts';
import { seed000 } from '../src/sim/calibration/seeds.ts';
import { sharegptLike } from '../test/helpers/sim/workloads.ts';

const rng = createRng(seed000.workloadSeed);
const lines = sharegptLike(seed000.prompts, seed000.workloadSeed).map(({ promptTokens, outputTokens }) => {
  const words = Array.from(
    { length: promptTokens },
    () => ONE_TOKEN_WORDS[rng.int(0, ONE_TOKEN_WORDS.length - 1)] as string,
  );
  return JSON.stringify({ prompt: words.join(' '), output_tokens: outputTokens });
});
const path = join(import.meta.dirname, '..', 'fixtures', 'sharegpt-like-seed000.jsonl');
await writeFile(path, `${lines.join('\n')}\n`);
console.log(`wrote ${path}: ${lines.length} requests`);

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadProfileInput } from '../../../src/config/load-profile.ts';
import { type LoadResult, runLoad } from '../../../src/load/run-load.ts';
import type { BenchmarkSummary } from '../../../src/metrics/summarize.ts';
import { type ClientRequest, promptOf } from './workloads.ts';

/**
 * The calibration tests' way to drive a simulator: the project's own load engine (`runLoad`),
 * exactly as `servebench run` and the suites use it, after one warm-up request.
 */

/**
 * Like `vllm bench serve`'s initial test prompt: one short request through the load engine before
 * the measured run, so that neither the simulator's nor the client's first-request costs (JIT,
 * connection set-up) land in the numbers.
 */
export async function warmUp(baseUrl: string, model: string): Promise<void> {
  const { summary } = await runLoad({
    baseUrl,
    model,
    arrival: { kind: 'concurrency', concurrency: 1 },
    requests: 1,
    dataset: { name: 'random', input_len: 8, output_len: 2 },
    workers: 1,
  });
  if (summary.completed !== 1) throw new Error(`warm-up request failed: ${JSON.stringify(summary.failures)}`);
}

/** Warms the server up, then runs `profile` (one client thread unless the profile says otherwise). */
export async function loadSim(profile: LoadProfileInput & { model: string }): Promise<LoadResult> {
  await warmUp(profile.baseUrl, profile.model);
  return runLoad({ workers: 1, ...profile });
}

/** The summary's mean/percentile latency (ms) by vLLM key, e.g. `latency(s, 'mean', 'ttft')`. */
export function latency(summary: BenchmarkSummary, stat: 'mean' | 'median' | 'p99', metric: string): number {
  const value = summary[`${stat}_${metric}_ms`];
  if (typeof value !== 'number') throw new Error(`summary has no ${stat}_${metric}_ms`);
  return value;
}

/** A temporary folder for workload files; `remove()` deletes it. */
export async function workloadDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'servebench-sim-calibration-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Writes `requests` as a JSONL prompt file for the `jsonl` dataset, in order (use it with
 * `shuffle: false`): each line a text prompt of exactly `promptTokens` tokens of the simulator's
 * tokenizer and `output_tokens`. Returns the file's path.
 */
export async function writeJsonlWorkload(
  dir: string,
  name: string,
  requests: readonly ClientRequest[],
): Promise<string> {
  const path = join(dir, `${name}.jsonl`);
  const lines = requests.map((r, i) =>
    JSON.stringify({ prompt: promptOf(r.promptTokens, i), output_tokens: r.outputTokens }),
  );
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

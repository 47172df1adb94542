/** Lengths of one request of a test workload. */
export interface ClientRequest {
  readonly promptTokens: number;
  readonly outputTokens: number;
}

/** Prompt text with exactly `tokens` tokens of the simulator's tokenizer (one " wN" each). */
export function promptOf(tokens: number, salt: number): string {
  let s = '';
  for (let i = 0; i < tokens; i++) s += ` w${(i * 7919 + salt * 104729) % 99991}`;
  return s;
}

/** mulberry32: small seeded uniform generator for test workloads. */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/**
 * ShareGPT-like lengths as `vllm bench serve --dataset-name sharegpt` sends them: log-normal
 * prompts (median 120 tokens) and answers (median 150), heavy right tails, with vLLM's filters
 * (prompt <= 1024, prompt + output <= 2048, both >= 4).
 */
export function sharegptLike(n: number, seed: number): ClientRequest[] {
  const u = uniform(seed);
  const out: ClientRequest[] = [];
  for (let i = 0; i < n; i++) {
    const promptTokens = Math.min(1024, Math.max(4, Math.round(Math.exp(Math.log(120) + normal(u)))));
    const outputTokens = Math.min(
      2048 - promptTokens,
      Math.max(4, Math.round(Math.exp(Math.log(150) + normal(u)))),
    );
    out.push({ promptTokens, outputTokens });
  }
  return out;
}

export function fixedLengths(n: number, promptTokens: number, outputTokens: number): ClientRequest[] {
  return Array.from({ length: n }, () => ({ promptTokens, outputTokens }));
}

/** Poisson arrival times in ms (the first at 0, as vllm bench sends it). */
export function poissonScheduleMs(n: number, ratePerS: number, seed: number): number[] {
  const u = uniform(seed ^ 0x9e3779b9);
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    times.push(t);
    t += (-Math.log(1 - u()) / ratePerS) * 1000;
  }
  return times;
}

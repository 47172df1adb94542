import { Command } from 'commander';

/**
 * `vllm bench serve` flags that servebench does not take, with why and what to use instead, so
 * a pasted vLLM command line fails with a reason rather than a bare "unknown option".
 */
const unsupported: Array<[RegExp, string]> = [
  [
    /^--(hf|sonnet|blazedit|spec-bench|random-mm|random-batch-size|no-reranker)/,
    'that dataset is not available here (datasets: random, sharegpt, custom, prefix_repetition)',
  ],
  [
    /^--profile$/,
    "servebench does not drive the server's profiler: call its /start_profile and /stop_profile",
  ],
  [/^--logprobs$/, 'pass it in the request body: --extra-body \'{"logprobs": N}\''],
  [
    /^--chat-template-kwargs$/,
    'pass it in the request body: --extra-body \'{"chat_template_kwargs": {...}}\'',
  ],
  [/^--lora-(modules|assignment)$/, 'requests go to one model: name the adapter with --served-model-name'],
  [/^--(no-)?self-timed$/, 'trace replay with timestamps is not supported'],
  [
    /^--(plot-timeline|plot-dataset-stats|timeline-itl-thresholds)$/,
    'no plots: the raw records (JSONL) hold every chunk time',
  ],
  [
    /^--(use-beam-search|probe-request-rate|request-id-prefix|skip-tokenizer-init|insecure)$/,
    'not supported by servebench',
  ],
];

/** Damerau-Levenshtein distance (optimal string alignment). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The known flag nearest to `flag`: one it abbreviates or extends (`--ready-check-timeout`),
 * else the most similar one within a third of its length in edits (commander's own guess stops
 * at 3 edits, too few for long flags: --ready-check-timeout, --random-input-length).
 */
export function nearestFlag(flag: string, known: readonly string[]): string | undefined {
  const word = flag.replace(/^--/, '');
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const name = candidate.replace(/^--/, '');
    const prefix = word.length >= 5 && (name.startsWith(word) || word.startsWith(name));
    const d = prefix ? 0.5 : distance(word, name);
    const similar = (Math.max(word.length, name.length) - d) / Math.max(word.length, name.length) > 0.4;
    if (similar && d <= Math.max(3, Math.floor(name.length / 3)) && d < bestScore) {
      best = candidate;
      bestScore = d;
    }
  }
  return best;
}

/** A command whose unknown-option error says why (vLLM flags we lack) or what was meant. */
export class CommandWithFlagHints extends Command {
  /** Commander calls this (an internal hook) with the first unknown flag. */
  unknownOption(flag: string): never {
    const reason = unsupported.find(([pattern]) => pattern.test(flag))?.[1];
    if (reason) {
      return this.error(`error: ${flag} is a vllm bench serve flag servebench does not take: ${reason}`, {
        code: 'commander.unknownOption',
      });
    }
    const known = this.options.flatMap((o) => (o.long && !o.hidden ? [o.long] : []));
    const near = flag.startsWith('--') ? nearestFlag(flag, known) : undefined;
    return this.error(`error: unknown option '${flag}'${near ? `\n(Did you mean ${near}?)` : ''}`, {
      code: 'commander.unknownOption',
    });
  }
}

import { z } from 'zod';

/**
 * One request as the load engine saw it. This is the raw-record contract written as JSONL
 * (one object per line); `servebench summarize` recomputes every summary from it alone.
 * All times are milliseconds from the run's start on a monotonic clock.
 */
export const requestRecordSchema = z.object({
  /** The request completed with a stream that ended cleanly ([DONE]) and held a possible answer. */
  ok: z.boolean(),
  /** When the arrival process wanted the request sent. */
  scheduled_ms: z.number(),
  /** When the request was handed to the socket (after any concurrency wait). */
  sent_ms: z.number(),
  /** When the response ended (last byte, error or timeout). */
  end_ms: z.number(),
  /** Arrival time of every content chunk (an SSE event whose choice carries text). */
  chunk_ms: z.array(z.number()),
  /**
   * Output tokens carried by each chunk (from continuous usage when the server sends it, else 1);
   * chunks without text (role-only, finish-only, usage-only) are not chunks here.
   */
  chunk_tokens: z.array(z.number().int().nonnegative()),
  prompt_tokens: z.number().int().nonnegative(),
  output_tokens: z.number().int().nonnegative(),
  /** Human-readable failure, null on success. */
  error: z.string().nullable(),
  /** Stable failure code (see core/errors.ts), null on success. Extension of the contract. */
  error_code: z.string().nullable().optional(),
  /** Warm-up requests are recorded but excluded from every summary. Extension. */
  warmup: z.boolean().optional(),
  /** True when prompt_tokens is an estimate, not a count from the server. Extension. */
  prompt_tokens_estimated: z.boolean().optional(),
  /**
   * True when the stream carried no usage, so output_tokens is the sum of chunk_tokens (one a
   * chunk without continuous usage), not the server's count. Extension.
   */
  output_tokens_from_chunks: z.boolean().optional(),
  /** How late the client sent the request versus when it meant to (ms). Extension. */
  lateness_ms: z.number().optional(),
});

export type RequestRecord = z.infer<typeof requestRecordSchema>;

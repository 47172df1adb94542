import { describe, expect, it } from 'vitest';
import type { RequestRecord } from './record.ts';
import { jsonlChunks, toJsonl } from './record-files.ts';

const record = (i: number): RequestRecord => ({
  ok: true,
  scheduled_ms: i,
  sent_ms: i,
  end_ms: i + 5,
  chunk_ms: [i + 1, i + 2],
  chunk_tokens: [1, 1],
  prompt_tokens: 3,
  output_tokens: 2,
  error: null,
});

describe('raw records as JSONL', () => {
  it('jsonlChunks gives the same text as toJsonl, in pieces that stay far from the string limit', async () => {
    const records = Array.from({ length: 2_500 }, (_, i) => record(i));
    const pieces: string[] = [];
    for await (const piece of jsonlChunks(records)) pieces.push(piece);
    expect(pieces).toHaveLength(3);
    expect(pieces.join('')).toBe(toJsonl(records));
  });
});

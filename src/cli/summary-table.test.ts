import { describe, expect, it } from 'vitest';
import { summarize } from '../metrics/summarize.ts';
import { renderSummaryTable } from './summary-table.ts';

describe('summary table', () => {
  it("prints the summary's notes (output tokens counted from chunks: the server sent no usage)", () => {
    const s = summarize([
      {
        ok: true,
        scheduled_ms: 0,
        sent_ms: 0,
        end_ms: 30,
        chunk_ms: [10, 20],
        chunk_tokens: [1, 1],
        prompt_tokens: 5,
        output_tokens: 2,
        error: null,
        output_tokens_from_chunks: true,
      },
    ]);
    const table = renderSummaryTable(s, ['ttft'], [99]);
    expect(table).toMatch(
      /^ {2}i output tokens of 1 of 1 requests were counted from the stream's text chunks/m,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { RequestFailure, requestFailure } from '../../core/errors.ts';
import { SseParser } from './sse-parser.ts';

const feed = (parts: string[]) => {
  const parser = new SseParser();
  const out: string[] = [];
  for (const p of parts) parser.push(new TextEncoder().encode(p), (d) => out.push(d));
  return { out, pending: parser.pending };
};

/** Data of `text`'s events, fed in two pieces cut at every byte boundary, one list per cut. */
const everyCut = (text: string) => {
  const bytes = new TextEncoder().encode(text);
  return Array.from({ length: bytes.length - 1 }, (_, i) => {
    const parser = new SseParser();
    const out: string[] = [];
    parser.push(bytes.slice(0, i + 1), (d) => out.push(d));
    parser.push(bytes.slice(i + 1), (d) => out.push(d));
    return out;
  });
};

describe('SseParser', () => {
  it('yields data of events split at arbitrary byte boundaries', () => {
    for (const out of everyCut('data: {"a":1}\n\ndata: {"b":"é"}\n\ndata: [DONE]\n\n')) {
      expect(out).toEqual(['{"a":1}', '{"b":"é"}', '[DONE]']);
    }
  });
  it('handles CRLF, comments, multi-line data and data without a space', () => {
    const { out } = feed([': keep-alive\r\n\r\ndata:x\r\ndata: y\r\n\r\nevent: ping\n\n']);
    expect(out).toEqual(['x\ny']);
  });
  it('keeps an unterminated event pending', () => {
    expect(feed(['data: {"a":1}\n\ndata: {"cut']).pending).toBe('data: {"cut');
  });
  it('ends lines at LF, CRLF or CR, also when a CRLF is split between chunks', () => {
    for (const out of everyCut('data: a\r\rdata: b\r\n\r\ndata: c\n\ndata\n\n')) {
      expect(out).toEqual(['a', 'b', 'c', '']);
    }
  });
  it('fails an event that grows past its limit with SB_EVENT_TOO_LARGE, however it is split', () => {
    const parser = new SseParser(100);
    const push = (t: string) => parser.push(new TextEncoder().encode(t), () => {});
    push(`data: ${'x'.repeat(50)}\n\n`); // under the limit, and the count starts again per event
    push(`data: ${'x'.repeat(50)}`);
    let error: unknown;
    try {
      push('\ndata: '.padEnd(60, 'y'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RequestFailure);
    expect((error as RequestFailure).code).toBe(requestFailure.eventTooLarge);
  });
});

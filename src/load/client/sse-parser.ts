/**
 * Incremental Server-Sent Events parser for OpenAI-style streams: yields the `data:` payload
 * of each event. Handles events split across network chunks, CRLF line endings, comments
 * and multi-line data. Other fields (event:, id:, retry:) are ignored, as OpenAI streams don't use them.
 */
export class SseParser {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  /** Feeds raw bytes; calls `onData` for every complete event that carries data. */
  push(bytes: Uint8Array, onData: (data: string) => void): void {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    for (;;) {
      const end = this.findEventEnd();
      if (end === null) return;
      const event = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end.length);
      const data = extractData(event);
      if (data !== null) onData(data);
    }
  }

  /** Bytes received after the last complete event (an unterminated event when the stream ends). */
  get pending(): string {
    return this.buffer;
  }

  private findEventEnd(): { index: number; length: number } | null {
    const lf = this.buffer.indexOf('\n\n');
    const crlf = this.buffer.indexOf('\r\n\r\n');
    if (lf === -1 && crlf === -1) return null;
    if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 };
    return { index: lf, length: 2 };
  }
}

function extractData(event: string): string | null {
  // Fast path: the common single-line `data: {...}` event.
  if (event.startsWith('data: ') && event.indexOf('\n') === -1) return event.slice(6);
  let data: string | null = null;
  for (const raw of event.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data === null ? value : `${data}\n${value}`;
  }
  return data;
}

import { RequestFailure, requestFailure } from '../../core/errors.ts';

/**
 * Largest server-sent event the client accepts, in characters: far above any OpenAI-style chunk
 * (a few hundred bytes; tens of KB with logprobs), and small enough that a stream which never
 * ends its event cannot fill the client's memory.
 */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

const LF = 10;
const CR = 13;

/**
 * Incremental Server-Sent Events parser for OpenAI-style streams: yields the `data:` payload
 * of each event. Handles events split across network chunks, LF, CRLF and CR line endings,
 * comments and multi-line data. Other fields (event:, id:, retry:) are ignored, as OpenAI
 * streams don't use them.
 *
 * Linear in its input: every character is scanned once, however the event is split into
 * chunks (an unfinished line is kept as a list of pieces and joined once, when it ends). An
 * event growing past `maxEventChars` throws a RequestFailure (SB_EVENT_TOO_LARGE).
 */
export class SseParser {
  private readonly decoder = new TextDecoder();
  /** Pieces of the line not ended yet. */
  private line: string[] = [];
  /** Data of the event not dispatched yet (its lines joined by LF); null when it has none. */
  private data: string | null = null;
  /** Characters of the current event so far, the unfinished line included. */
  private eventChars = 0;
  /** The last chunk ended with CR: a LF starting the next one ends the same line. */
  private afterCr = false;
  private readonly maxEventChars: number;

  constructor(maxEventChars = MAX_EVENT_CHARS) {
    this.maxEventChars = maxEventChars;
  }

  /** Feeds raw bytes; calls `onData` for every complete event that carries data. */
  push(bytes: Uint8Array, onData: (data: string) => void): void {
    const text = this.decoder.decode(bytes, { stream: true });
    let pos = 0;
    if (this.afterCr && text.length > 0) {
      if (text.charCodeAt(0) === LF) pos = 1;
      this.afterCr = false;
    }
    // The next LF and CR at or after `pos`; -1 once there is none left in `text`, so no part of
    // `text` is searched twice.
    let lf = -2;
    let cr = -2;
    while (pos < text.length) {
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        this.addPiece(text.slice(pos));
        return;
      }
      let line = text.slice(pos, end);
      if (this.line.length === 0) this.count(line.length);
      else {
        this.addPiece(line);
        line = this.line.join('');
        this.line = [];
      }
      this.eventChars += 1; // the line break
      pos = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (pos === text.length) this.afterCr = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
      this.endLine(line, onData);
    }
  }

  /** The event left unterminated (its data lines and any unfinished line), for error messages. */
  get pending(): string {
    const lines = this.data === null ? [] : this.data.split('\n').map((d) => `data: ${d}`);
    if (this.line.length > 0) lines.push(this.line.join(''));
    return lines.join('\n');
  }

  private addPiece(piece: string): void {
    if (piece.length === 0) return;
    this.line.push(piece);
    this.count(piece.length);
  }

  private count(chars: number): void {
    this.eventChars += chars;
    if (this.eventChars > this.maxEventChars) {
      throw new RequestFailure(
        requestFailure.eventTooLarge,
        `a server-sent event grew past ${this.maxEventChars} characters without ending (the client's limit)`,
      );
    }
  }

  private endLine(line: string, onData: (data: string) => void): void {
    if (line === '') {
      // A blank line ends the event.
      const data = this.data;
      this.data = null;
      this.eventChars = 0;
      if (data !== null) onData(data);
      return;
    }
    let value: string;
    if (line.startsWith('data: ')) value = line.slice(6);
    else {
      if (line.charCodeAt(0) === 58 /* ':' */) return; // a comment
      const colon = line.indexOf(':');
      if ((colon === -1 ? line : line.slice(0, colon)) !== 'data') return;
      value = colon === -1 ? '' : line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    }
    // Concatenation makes a rope, flattened once when the event is parsed: linear.
    this.data = this.data === null ? value : `${this.data}\n${value}`;
  }
}

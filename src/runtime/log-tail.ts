import type { Readable } from 'node:stream';
import { Secrets } from '../core/secrets.ts';

/** Keeps the last `max` lines of one or more streams, secrets masked (the last line too, before its newline). */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly max: number;
  private readonly secrets: Secrets;

  constructor(max = 200, secrets: Secrets = Secrets.none) {
    this.max = max;
    this.secrets = secrets;
  }

  follow(stream: Readable | null | undefined): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => this.push(text));
  }

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    this.lines.push(this.secrets.mask(line));
    if (this.lines.length > this.max) this.lines.shift();
  }

  /** The last `n` lines, masked; a last line still waiting for its newline is included. */
  tail(n = this.max): string[] {
    const last = this.partial ? [this.secrets.mask(this.partial)] : [];
    return [...this.lines, ...last].slice(-n);
  }
}

import type { Readable } from 'node:stream';

/** Keeps the last `max` lines of one or more streams, with secrets masked. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';
  private readonly max: number;
  private readonly secrets: string[];

  constructor(max = 200, secrets: string[] = []) {
    this.max = max;
    this.secrets = secrets.filter((s) => s.length >= 4);
  }

  follow(stream: Readable | null): void {
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => this.push(text));
  }

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    let clean = line;
    for (const secret of this.secrets) clean = clean.replaceAll(secret, '***');
    this.lines.push(clean);
    if (this.lines.length > this.max) this.lines.shift();
  }

  tail(n = this.max): string[] {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].slice(-n);
  }
}

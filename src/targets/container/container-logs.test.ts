import { describe, expect, it } from 'vitest';
import { demuxDockerLog } from './container-logs.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker log demultiplexing', () => {
  it('joins stdout and stderr frames in order', () => {
    const log = Buffer.concat([frame(1, 'loading\n'), frame(2, 'warn: x\n'), frame(1, 'ready\n')]);
    expect(demuxDockerLog(log)).toBe('loading\nwarn: x\nready\n');
  });

  it('returns a TTY log (no frames) as it is', () => {
    expect(demuxDockerLog(Buffer.from('plain text output, no headers\n'))).toBe(
      'plain text output, no headers\n',
    );
  });
});

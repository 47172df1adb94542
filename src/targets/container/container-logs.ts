import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Dockerode from 'dockerode';
import type { Secrets } from '../../core/secrets.ts';
import { LogTail } from '../../runtime/log-tail.ts';
import type { ContainerRuntimeClient } from './testcontainers.ts';

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream, 0, 0, 0, size) into
 * text; a TTY container's log has no frames and is returned as is.
 */
export function demuxDockerLog(buffer: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    if ((stream !== 0 && stream !== 1 && stream !== 2) || buffer.readUIntBE(offset + 1, 3) !== 0)
      return buffer.toString('utf8');
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return offset === buffer.length ? Buffer.concat(parts).toString('utf8') : buffer.toString('utf8');
}

/** The container's whole log so far (stdout and stderr interleaved), secrets masked. */
export async function readContainerLog(container: Dockerode.Container, secrets: Secrets): Promise<string[]> {
  try {
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const text = secrets.mask(demuxDockerLog(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw))));
    return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
  } catch {
    return [];
  }
}

/** Follows the container's output into a masked tail (what logs() and the broker show). */
export async function followContainerLog(
  client: ContainerRuntimeClient,
  container: Dockerode.Container,
  secrets: Secrets,
): Promise<{ tail: LogTail; close: () => void }> {
  const tail = new LogTail(200, secrets);
  const stream = await client.container.logs(container, { tail: 200 });
  tail.follow(stream);
  return { tail, close: () => stream.destroy() };
}

export async function saveLog(path: string, lines: string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
}

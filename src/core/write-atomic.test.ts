import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deadPid, killedWriter } from '../../test/helpers/files/killed-writer.ts';
import { tempDirs } from '../../test/helpers/files/temp-dirs.ts';
import { unwritableReason, writeFileAtomic } from './write-atomic.ts';

const dir = tempDirs('atomic');

describe('writeFileAtomic: temp file and rename, no temp file left behind', () => {
  it("removes a SIGKILLed writer's temp file the next time its directory is written, and keeps the file whole", async () => {
    const d = await dir();
    const path = join(d, '10-req-s.json');
    await writeFileAtomic(path, '{"entries": []}\n');
    const left = await killedWriter(path);
    expect(left).toEqual([expect.stringMatching(/^10-req-s\.json\.\d+-1\.tmp$/)]);
    // The interrupted write never touched the file itself.
    expect(await readFile(path, 'utf8')).toBe('{"entries": []}\n');
    // The older name scheme (<file>.<pid>.tmp) is recognized too.
    await writeFile(join(d, `20-req-s.json.${await deadPid()}.tmp`), 'half');

    await writeFileAtomic(join(d, 'other.json'), '{}');
    expect((await readdir(d)).sort()).toEqual(['10-req-s.json', 'other.json']);
  });

  it("keeps a live writer's temp file (another process is writing it now)", async () => {
    const d = await dir();
    const live = join(d, `x.json.${process.ppid}-1.tmp`);
    await writeFile(live, 'in progress');
    await writeFileAtomic(join(d, 'y.json'), '{}');
    expect((await readdir(d)).sort()).toEqual([`x.json.${process.ppid}-1.tmp`, 'y.json']);
  });

  it('removes its own temp file when the write fails', async () => {
    const d = await dir();
    // A rename onto a non-empty directory fails after the temp file was written.
    await mkdir(join(d, 'summary.md', 'in-the-way'), { recursive: true });
    await expect(writeFileAtomic(join(d, 'summary.md'), '# report')).rejects.toThrow();
    expect(await readdir(d)).toEqual(['summary.md']);
  });

  it('says why a directory cannot be written, before anything is', async () => {
    const d = await dir();
    await writeFile(join(d, 'file'), '');
    expect(await unwritableReason(join(d, 'file', 'results'))).toMatch(
      /^ENOTDIR: a part of the path is a file/,
    );
    expect(await unwritableReason(join(d, 'file'))).toMatch(/not a directory/);
    expect(await unwritableReason(join(d, 'new', 'results'))).toBeNull();
    expect(await readdir(join(d, 'new', 'results'))).toEqual([]);
  });
});

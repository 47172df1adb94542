import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pidAlive, processStart } from '../core/process-owner.ts';
import { Secrets } from '../core/secrets.ts';
import { recordChild, type StrayEntry, strayDir, sweepStrays } from './strays.ts';
import { startAll, supervise } from './supervise.ts';

const node = process.execPath;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

let stateDir = '';
const savedStateDir = process.env.SERVEBENCH_STATE_DIR;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'servebench-state-test-'));
  process.env.SERVEBENCH_STATE_DIR = stateDir;
});
afterEach(() => {
  if (savedStateDir === undefined) delete process.env.SERVEBENCH_STATE_DIR;
  else process.env.SERVEBENCH_STATE_DIR = savedStateDir;
});
const entries = () =>
  existsSync(strayDir()) ? readdirSync(strayDir()).filter((f) => f.endsWith('.json')) : [];

describe('supervised child processes (real processes)', () => {
  it('masks secrets in its output tail, the last line too while it still waits for its newline', async () => {
    const secrets = new Secrets(['sk-live-0123456789']);
    const child = supervise({
      command: node,
      args: [
        '-e',
        "console.log('loading with sk-live-0123456789'); process.stderr.write('still going, key sk-live-0123456789'); setInterval(() => {}, 1000)",
      ],
      role: 'test',
      secrets,
    });
    await until(() => child.output.tail().length === 2);
    expect(child.output.tail()).toEqual(['loading with ***', 'still going, key ***']);
    await child.stop();
  });

  it('stops the whole process group: SIGTERM, then SIGKILL for what ignores it; its registry entry goes', async () => {
    const child = supervise({
      command: node,
      args: [
        '-e',
        // A leader that ignores SIGTERM, and a grandchild in its group that does too.
        `process.on('SIGTERM', () => {});
         const g = require('node:child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
         console.log('grandchild ' + g.pid); setInterval(() => {}, 1000)`,
      ],
      role: 'test',
      graceMs: 300,
    });
    await until(() => child.output.tail().some((l) => l.startsWith('grandchild ')));
    const grandchild = Number(child.output.tail()[0]?.split(' ')[1]);
    expect(pidAlive(grandchild)).toBe(true);
    expect(entries()).toHaveLength(1);
    const started = performance.now();
    const exit = await child.stop();
    expect(exit.signal).toBe('SIGKILL');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(pidAlive(child.pid as number)).toBe(false);
    await until(() => !pidAlive(grandchild));
    expect(entries()).toEqual([]);
  });

  it('reports a command that cannot start, and registers nothing', async () => {
    const child = supervise({ command: join(stateDir, 'no-such-command'), role: 'test' });
    const exit = await child.exited;
    expect(exit.error?.code).toBe('ENOENT');
    expect(child.running).toBe(false);
    await child.stop();
    expect(entries()).toEqual([]);
  });

  it('a child nobody stopped dies when its parent exits', async () => {
    const script = join(stateDir, 'parent.ts');
    writeFileSync(
      script,
      `import { supervise } from ${JSON.stringify(join(import.meta.dirname, 'supervise.ts'))};
       const child = supervise({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], role: 'orphan' });
       console.log(child.pid);
       setTimeout(() => process.exit(0), 200);`,
    );
    const pid = Number(execFileSync(node, [script], { encoding: 'utf8', env: process.env }).trim());
    expect(pid).toBeGreaterThan(0);
    await until(() => !pidAlive(pid));
    expect(entries()).toEqual([]);
  });

  it('startAll stops the ones that started when another fails, then throws its error', async () => {
    const start = (fail: boolean) =>
      new Promise<ReturnType<typeof supervise>>((resolve, reject) => {
        const child = supervise({ command: node, args: ['-e', 'setInterval(() => {}, 1000)'], role: 'test' });
        setTimeout(() => (fail ? reject(new Error('this one failed')) : resolve(child)), fail ? 100 : 300);
        if (fail) void child.stop();
      });
    const children: number[] = [];
    const error = await startAll(
      [start(false), start(true), start(false)].map((p) =>
        p.then((c) => {
          children.push(c.pid as number);
          return c;
        }),
      ),
    ).catch((e: Error) => e);
    expect((error as Error).message).toBe('this one failed');
    expect(children).toHaveLength(2);
    for (const pid of children) expect(pidAlive(pid)).toBe(false);
  });
});

describe('the stray sweep (real processes)', () => {
  /** A process whose owner (a parent that records it, then is SIGKILLed) is gone: an orphan. */
  async function orphan(): Promise<number> {
    const script = join(stateDir, 'owner.ts');
    writeFileSync(
      script,
      `import { supervise } from ${JSON.stringify(join(import.meta.dirname, 'supervise.ts'))};
       const child = supervise({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)', '--', 'orphan-${process.pid}'], role: 'sim server' });
       console.log(child.pid);
       setInterval(() => {}, 1000);`,
    );
    const owner = spawn(node, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const pid = await new Promise<number>((resolve) =>
      owner.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
    );
    owner.kill('SIGKILL');
    await new Promise((resolve) => owner.once('exit', resolve));
    return pid;
  }

  it('kills a child whose owner died with it (and its reaper), and removes its entry', async () => {
    const pid = await orphan();
    expect(pidAlive(pid)).toBe(true);
    expect(entries()).toHaveLength(1);
    const killed = await sweepStrays({ graceMs: 2000 });
    expect(killed.map((e) => [e.pid, e.role])).toEqual([[pid, 'sim server']]);
    await until(() => !pidAlive(pid));
    expect(entries()).toEqual([]);
  });

  it('never kills a recycled pid (another start time), nor a child whose owner lives', async () => {
    // A live process of ours stands in for "the pid now belongs to someone else".
    const other = spawn(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const dead = { pid: 9_999_999, start: '1', host: (await import('node:os')).hostname() };
      const entry = (pid: number, start: string | null, owner: StrayEntry['owner']): StrayEntry => ({
        pid,
        start,
        group: false,
        owner,
        role: 'test',
        command: 'x',
        startedAt: new Date().toISOString(),
      });
      const dir = strayDir();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      const recycled = entry(
        other.pid as number,
        String(Number(processStart(other.pid as number)) + 7),
        dead,
      );
      writeFileSync(join(dir, 'recycled.json'), JSON.stringify(recycled));
      const forget = recordChild({
        pid: other.pid as number,
        group: false,
        role: 'live owner',
        command: 'y',
      });
      expect(await sweepStrays({ graceMs: 200 })).toEqual([]);
      expect(pidAlive(other.pid as number)).toBe(true);
      // The dead owner's entry is gone; the live owner's (this process) stays until it forgets it.
      expect(entries()).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(dir, entries()[0] as string), 'utf8')).role).toBe('live owner');
      forget();
      expect(entries()).toEqual([]);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

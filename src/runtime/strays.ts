import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerGone, type ProcessOwner, pidAlive, processStart, thisProcess } from '../core/process-owner.ts';

/**
 * The stray registry: every child process servebench supervises (servers of the sim and process
 * targets, MPS control daemons, nvidia-smi samplers, simulators) has a state file here while it
 * runs, naming it (pid and process start time) and its owner (the process that started it). A
 * run killed together with its reaper (a CI cancel, a cgroup kill) leaves its children running
 * and their files behind; the next start sweeps them: an entry whose owner is gone is killed
 * (its process group), provided its pid still belongs to the process recorded (same start time:
 * a reused pid is never killed), and its file removed.
 */
export interface StrayEntry {
  pid: number;
  /** /proc start time of the child; null where unknown (then it is never killed by a sweep). */
  start: string | null;
  /** Its own process group (pgid = pid): the sweep kills the group (vLLM's engine processes too). */
  group: boolean;
  owner: ProcessOwner;
  /** What it is ('sim server', 'MPS control daemon', ...) and its command, secrets masked. */
  role: string;
  command: string;
  startedAt: string;
}

/** $SERVEBENCH_STATE_DIR/children, or <tmp>/servebench-<uid>/children. */
export function strayDir(): string {
  const base =
    process.env.SERVEBENCH_STATE_DIR ?? join(tmpdir(), `servebench-${process.getuid?.() ?? 'user'}`);
  return join(base, 'children');
}

const fileOf = (dir: string, pid: number, start: string | null) => join(dir, `${pid}-${start ?? 'x'}.json`);

/** Records a child that just started (synchronously: the owner may die the next moment). */
export function recordChild(entry: Omit<StrayEntry, 'owner' | 'start' | 'startedAt'>): () => void {
  const dir = strayDir();
  const full: StrayEntry = {
    ...entry,
    start: processStart(entry.pid),
    owner: thisProcess(),
    startedAt: new Date().toISOString(),
  };
  const path = fileOf(dir, full.pid, full.start);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written beside it and renamed: a sweep never reads half an entry.
    writeFileSync(`${path}.tmp`, `${JSON.stringify(full)}\n`);
    renameSync(`${path}.tmp`, path);
  } catch {
    // A state directory we cannot write only costs the sweep; never the start.
  }
  return () => rmSync(path, { force: true });
}

/** Whether any process of group `pgid` is left. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the entry's process (or, for a group, its group) is still the one recorded. A group
 * whose leader is gone is still ours while any of it lives: Linux never hands out a pid that is
 * still some group's id.
 */
function stillOurs(entry: StrayEntry): boolean {
  if (entry.start === null) return false;
  if (pidAlive(entry.pid)) return processStart(entry.pid) === entry.start;
  return entry.group && groupAlive(entry.pid);
}

function signal(entry: StrayEntry, sig: NodeJS.Signals): void {
  try {
    process.kill(entry.group ? -entry.pid : entry.pid, sig);
  } catch {}
}

const gone = (entry: StrayEntry) => (entry.group ? !groupAlive(entry.pid) : !pidAlive(entry.pid));

export interface SweepOptions {
  /** Default: strayDir(). */
  dir?: string;
  /** SIGTERM, then SIGKILL after this long (default 5 s). */
  graceMs?: number;
}

/** Kills the children of dead owners that are still running and removes their files. Returns them. */
export async function sweepStrays(options: SweepOptions = {}): Promise<StrayEntry[]> {
  const dir = options.dir ?? strayDir();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const killed: StrayEntry[] = [];
  const remove: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let entry: StrayEntry;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as StrayEntry;
      if (!Number.isInteger(entry.pid) || !entry.owner) throw new Error('not an entry');
    } catch {
      remove.push(path);
      continue;
    }
    if (!ownerGone(entry.owner)) continue;
    if (stillOurs(entry)) {
      signal(entry, 'SIGTERM');
      killed.push(entry);
    }
    remove.push(path);
  }
  const deadline = performance.now() + (options.graceMs ?? 5000);
  while (killed.some((e) => !gone(e)) && performance.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  for (const entry of killed) if (!gone(entry)) signal(entry, 'SIGKILL');
  for (const path of remove) rmSync(path, { force: true });
  return killed;
}

let once: Promise<StrayEntry[]> | null = null;

/**
 * The sweep, once per process (before its first child starts, and when the Vitest plugin starts).
 * Says on stderr what it stopped.
 */
export function sweepStraysOnce(): Promise<StrayEntry[]> {
  once ??= sweepStrays()
    .then((killed) => {
      if (killed.length > 0) {
        const list = killed.map((e) => `${e.role} pid ${e.pid} (${e.command.slice(0, 120)})`).join('; ');
        process.stderr.write(
          `servebench: stopped ${killed.length} process(es) left running by runs that died: ${list}\n`,
        );
      }
      return killed;
    })
    .catch(() => []);
  return once;
}

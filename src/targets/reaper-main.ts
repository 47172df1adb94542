/**
 * Reaper process (see reaper.ts). Reads `watch PID` / `forget PID` (process groups), `run RUN_ID`
 * (containers by run label) and `idle CONTAINER_ID TTL_MS` (reused containers) lines; when stdin
 * closes (the parent exited or was killed), sends SIGTERM then SIGKILL to every watched process
 * group and removes the containers, then exits.
 */
const watched = new Set<number>();
const runs = new Set<string>();
const idle = new Map<string, number>();
// Docker code loads only for runs with containers, and before it is needed: the parent may die any time.
let containers: Promise<typeof import('./container/reap.ts')> | null = null;

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  buffer += text;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const [verb, arg = '', extra] = line.trim().split(' ');
    if (verb === 'watch') watched.add(Number(arg));
    if (verb === 'forget') watched.delete(Number(arg));
    if (verb === 'run') runs.add(arg);
    if (verb === 'idle') idle.set(arg, Number(extra));
    if (verb === 'run' || verb === 'idle') containers ??= import('./container/reap.ts');
  }
});

process.stdin.on('close', () => {
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of watched) {
      try {
        process.kill(-pid, sig);
      } catch {}
    }
  };
  signal('SIGTERM');
  const groups = new Promise<void>((resolve) =>
    setTimeout(() => {
      signal('SIGKILL');
      resolve();
    }, 3000),
  );
  const removal = containers
    ? containers.then((m) => m.reapContainers(runs, idle)).catch(() => {})
    : Promise.resolve();
  // Bounded: a daemon that stopped answering must not keep this process forever.
  const cap = Math.max(0, ...idle.values()) + 120_000;
  setTimeout(() => process.exit(0), cap).unref();
  void Promise.all([groups, removal]).then(() => process.exit(0));
});

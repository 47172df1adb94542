/**
 * Reaper process (see reaper.ts). Reads `watch PID` / `forget PID` lines; when stdin closes
 * (the parent exited or was killed), sends SIGTERM then SIGKILL to every watched process group.
 */
const watched = new Set<number>();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  buffer += text;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const [verb, pid] = line.trim().split(' ');
    if (verb === 'watch') watched.add(Number(pid));
    if (verb === 'forget') watched.delete(Number(pid));
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
  setTimeout(() => {
    signal('SIGKILL');
    process.exit(0);
  }, 3000);
});

import type { Progress } from '../load/progress.ts';

/** One status line on stderr: rewritten in place on a terminal, appended otherwise. */
export function renderProgress(p: Progress): void {
  const total = p.total === null ? '' : `/${p.total}`;
  const text =
    `[${p.elapsedS.toFixed(0).padStart(4)} s] ${p.done}${total} done, ${p.failed} failed, ` +
    `${p.currentRate.toFixed(1)} req/s now, p99 TTFT so far ${p.p99TtftMs.toFixed(1)} ms`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text.padEnd(process.stderr.columns - 1)}`);
  else process.stderr.write(`${text}\n`);
}

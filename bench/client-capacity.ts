import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { percentileOfSorted, sorted } from '../src/metrics/stats.ts';
import { backgroundLoadPct, hostCpuMs, selfCpuMs } from './host-load.ts';

/**
 * Client capacity: the highest rate of streamed chunks a client sustains against a loopback
 * server while its timing error stays under 1 ms at p99, for our client (the product's
 * `sendStream` on an undici Agent, bench/node-client.ts) and a minimal Python asyncio/aiohttp
 * client (bench/python_client.py), on the same server (bench/stamp-server.ts), in the same run.
 *
 * Timing error of a chunk = client receive time - the server's `sent_at` (both wall-clock ms).
 * The offered rate (C streams x 1000/itl chunks/s) goes up in steps; each step is a bounded run
 * of one client process; sustained rate = chunks received in the measurement window / window.
 * A step passes when p99 error < 1 ms, the sustained rate is >= 95% of the offered rate and no
 * request failed. The capacity is the highest passing step. Both clients take the same steps,
 * interleaved (step 1 Python, step 1 ours, step 2 Python, ...), so drift hits both alike.
 * A failed trial is retried once (the VM's scheduling hiccups alone can push p99 over 1 ms);
 * a client stops at the first step that fails `trialsPerStep` clean trials. CPU used meanwhile
 * by other processes on the host is measured per trial; a failed trial during which it exceeded
 * `maxBackgroundPct` is marked noisy and does not count (at most 2 more trials per step); a step
 * that only failed noisily is inconclusive: the client goes on to the next step.
 */

export interface CapacityOptions {
  itlMs: number;
  maxTokens: number;
  durationS: number;
  warmupS: number;
  /** Concurrent streams per step; offered chunk rate = C * 1000 / itlMs. */
  concurrencySteps: number[];
  trialsPerStep: number;
  /** Other processes using more than this share of one core (%) make a trial noisy. */
  maxBackgroundPct: number;
  p99LimitMs: number;
  minDelivered: number;
  /** No new trial starts after this much time (s) in the sweep. */
  budgetS: number;
  python: string;
  /**
   * Pin the server to CPU 0 and each client to CPU 1 (needs taskset and 2+ CPUs). Off by
   * default: pinned to one core, Node's own helper threads (JIT compiler, GC) preempt its main
   * thread for milliseconds, which a single-threaded Python process never suffers; unpinned,
   * both clients get what the OS scheduler gives them, as in real use.
   */
  pin: boolean;
  log: (line: string) => void;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

export const defaultCapacityOptions: CapacityOptions = {
  itlMs: 10,
  maxTokens: 50,
  // The first 1.5 s are not measured: connections open, and V8 tiers up the hot path (with
  // 0.75 s, JIT work still landed in the window and raised our p99 at 5k chunks/s).
  durationS: 3.75,
  warmupS: 1.5,
  concurrencySteps: [10, 20, 30, 40, 50, 75, 100, 150, 200, 250, 300, 400, 600, 800, 1200],
  trialsPerStep: 2,
  maxBackgroundPct: 10,
  p99LimitMs: 1,
  minDelivered: 0.95,
  budgetS: 140,
  python: process.env.SERVEBENCH_PYTHON ?? '/usr/bin/python3',
  pin: process.env.SERVEBENCH_BENCH_PIN === '1',
  log: (line) => console.log(line),
};

/** What each client process prints (one JSON object). */
interface StepOutput {
  client: string;
  window_ms: [number, number];
  recv: number[];
  sent: number[];
  chunks_total: number;
  unmatched: number;
  requests: number;
  failures: number;
  cpu_ms: number;
  cpu_total_ms: number;
}

interface ServerStats {
  requests: number;
  chunks: number;
  lateChunks: number;
  slowWrites: number;
  cpuMs: number;
}

export interface TrialResult {
  client: ClientName;
  concurrency: number;
  offeredPerS: number;
  sustainedPerS: number;
  delivered: number;
  chunks: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  requests: number;
  failures: number;
  unmatched: number;
  clientCpuPct: number;
  clientCpuUsPerChunk: number;
  serverCpuUsPerChunk: number;
  serverLateChunks: number;
  /** CPU share of one core (%) used by other processes during the trial; null off Linux. */
  backgroundPct: number | null;
  noisy: boolean;
  pass: boolean;
  note: string;
}

export type ClientName = 'servebench' | 'python-aiohttp';

export interface CapacityResult {
  options: Omit<CapacityOptions, 'log'>;
  pinned: boolean;
  trials: TrialResult[];
  capacity: Record<ClientName, TrialResult | null>;
  pythonSkipped: string | null;
  ratio: number | null;
}

export async function runClientCapacity(overrides: Partial<CapacityOptions> = {}): Promise<CapacityResult> {
  const options = { ...defaultCapacityOptions, ...overrides };
  const { log } = options;
  const pythonSkipped = ensurePythonAiohttp(options.python, log);
  const pinned = options.pin && availableParallelism() >= 2 && hasTaskset();
  const idle = await backgroundLoadPct(1000);
  if (idle !== null && idle > options.maxBackgroundPct) {
    log(
      `WARNING: other processes use ${idle.toFixed(0)}% of a core right now; timing errors will be noisy (run on a quiet machine)`,
    );
  }
  log(
    `client capacity: itl ${options.itlMs} ms, ${options.maxTokens} chunks/request, ` +
      `${options.durationS} s per trial (first ${options.warmupS} s not measured), ` +
      `pass = p99 error < ${options.p99LimitMs} ms and >= ${options.minDelivered * 100}% of offered rate; ` +
      (pinned ? 'server pinned to CPU 0, clients to CPU 1' : 'no CPU pinning'),
  );

  const server = await startServer(options, pinned);
  const trials: TrialResult[] = [];
  const capacity: Record<ClientName, TrialResult | null> = { servebench: null, 'python-aiohttp': null };
  const alive = new Set<ClientName>(pythonSkipped ? ['servebench'] : ['python-aiohttp', 'servebench']);
  const started = performance.now();
  log(
    `${'client'.padEnd(15)} ${'C'.padStart(5)} ${'offered/s'.padStart(10)} ${'sustained/s'.padStart(11)} ` +
      `${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'p99.9'.padStart(7)} ${'max'.padStart(7)} ` +
      `${'cli CPU'.padStart(7)} ${'us/chk'.padStart(6)} ${'srv us/chk'.padStart(10)} ${'others'.padStart(6)}  result`,
  );
  try {
    steps: for (const concurrency of options.concurrencySteps) {
      for (const client of ['python-aiohttp', 'servebench'] as const) {
        if (!alive.has(client)) continue;
        let passed: TrialResult | null = null;
        let cleanFailures = 0;
        let run = 0;
        while (
          !passed &&
          cleanFailures < options.trialsPerStep &&
          run < options.trialsPerStep + MAX_NOISY_RERUNS
        ) {
          if ((performance.now() - started) / 1000 > options.budgetS) {
            log(
              `time budget of ${options.budgetS} s spent: sweep stopped, capacities below are lower bounds`,
            );
            break steps;
          }
          const trial = await runTrial(client, concurrency, server, options, pinned);
          trials.push(trial);
          log(formatTrial(trial));
          run++;
          if (trial.pass) passed = trial;
          else if (!trial.noisy) cleanFailures++;
        }
        if (passed) capacity[client] = passed;
        else if (cleanFailures >= options.trialsPerStep) alive.delete(client);
        else
          log(
            `${client}: step C=${concurrency} inconclusive (failed only while the host was busy), going on`,
          );
      }
      if (alive.size === 0) break;
    }
  } finally {
    server.stop();
  }

  const ours = capacity.servebench;
  const theirs = capacity['python-aiohttp'];
  const ratio = ours && theirs ? ours.sustainedPerS / theirs.sustainedPerS : null;
  log('');
  for (const [name, c] of Object.entries(capacity)) {
    if (name === 'python-aiohttp' && pythonSkipped) {
      log(`capacity ${name.padEnd(15)} skipped: ${pythonSkipped}`);
      continue;
    }
    log(
      c
        ? `capacity ${name.padEnd(15)} ${Math.round(c.sustainedPerS)} chunks/s (C=${c.concurrency}, p99 error ${c.p99Ms.toFixed(3)} ms, ` +
            `client CPU ${c.clientCpuPct.toFixed(0)}%, ${c.clientCpuUsPerChunk.toFixed(1)} us CPU/chunk, ` +
            `one-core ceiling ~${Math.round(1e6 / c.clientCpuUsPerChunk)} chunks/s if CPU were the only limit)`
        : `capacity ${name.padEnd(15)} none: no step passed`,
    );
  }
  const common = commonCpuComparison(trials);
  if (common) {
    log(
      `CPU per chunk at ${common.offered} chunks/s (both passed): servebench ${common.ours.toFixed(1)} us, python-aiohttp ${common.theirs.toFixed(1)} us (${(common.theirs / common.ours).toFixed(1)}x)`,
    );
  }
  const noisy = trials.filter((t) => t.noisy).length;
  if (noisy > 0) {
    log(
      `note: ${noisy} of ${trials.length} trials ran while other processes used > ${options.maxBackgroundPct}% of a core; ` +
        'on a shared machine the capacities move from run to run',
    );
  }
  if (ratio !== null) {
    log(
      `ratio servebench / python-aiohttp sustained chunk rate at p99 error < ${options.p99LimitMs} ms: ${ratio.toFixed(2)}x (goal >= 3x: ${ratio >= 3 ? 'met' : 'NOT met'})`,
    );
  } else {
    log('ratio: n/a (a capacity is missing)');
  }
  const { log: _log, ...recorded } = options;
  const result: CapacityResult = { options: recorded, pinned, trials, capacity, pythonSkipped, ratio };
  const out = join(root, 'results', 'bench', 'client-capacity.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`raw trials: ${out}`);
  return result;
}

function formatTrial(t: TrialResult): string {
  const f = (x: number, d = 3) => x.toFixed(d).padStart(7);
  return (
    `${t.client.padEnd(15)} ${String(t.concurrency).padStart(5)} ${String(Math.round(t.offeredPerS)).padStart(10)} ` +
    `${String(Math.round(t.sustainedPerS)).padStart(11)} ${f(t.p50Ms)} ${f(t.p99Ms)} ${f(t.p999Ms)} ${f(t.maxMs, 2)} ` +
    `${`${t.clientCpuPct.toFixed(0)}%`.padStart(7)} ${t.clientCpuUsPerChunk.toFixed(1).padStart(6)} ` +
    `${t.serverCpuUsPerChunk.toFixed(1).padStart(10)} ${(t.backgroundPct === null ? '?' : `${t.backgroundPct.toFixed(0)}%`).padStart(6)}  ` +
    `${t.pass ? 'pass' : `FAIL (${t.note})`}${t.noisy ? ' [noisy: other processes busy]' : ''}`
  );
}

/** CPU cost per chunk of both clients at the highest offered rate where both passed. */
function commonCpuComparison(
  trials: TrialResult[],
): { offered: number; ours: number; theirs: number } | null {
  const passing = (client: ClientName) => trials.filter((t) => t.client === client && t.pass);
  const theirs = passing('python-aiohttp');
  for (const o of passing('servebench').reverse()) {
    const p = theirs.find((t) => t.concurrency === o.concurrency);
    if (p)
      return {
        offered: Math.round(o.offeredPerS),
        ours: o.clientCpuUsPerChunk,
        theirs: p.clientCpuUsPerChunk,
      };
  }
  return null;
}

const MAX_NOISY_RERUNS = 2;

interface Server {
  url: string;
  stop(): void;
}

async function startServer(options: CapacityOptions, pinned: boolean): Promise<Server> {
  // The server is benchmark infrastructure, not the product: a large young generation keeps its
  // garbage collector from pausing (and then bursting) the streams it writes.
  const args = [
    '--max-semi-space-size=64',
    '--min-semi-space-size=64',
    join(here, 'stamp-server.ts'),
    '--port',
    '0',
    '--itl-ms',
    String(options.itlMs),
    '--exit-on-stdin-close',
    '--max-lifetime-s',
    String(Math.ceil(options.budgetS + 120)),
  ];
  const child = pinned
    ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stamp server did not start within 10 s')), 10_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stamp server exited with code ${code}`));
    });
  });
  return {
    url,
    stop: () => {
      child.stdin?.end();
      child.kill('SIGTERM');
    },
  };
}

async function runTrial(
  client: ClientName,
  concurrency: number,
  server: Server,
  options: CapacityOptions,
  pinned: boolean,
): Promise<TrialResult> {
  await fetch(`${server.url}/reset`, { method: 'POST' }).then((r) => r.text());
  const args = [
    '--url',
    server.url,
    '--concurrency',
    String(concurrency),
    '--max-tokens',
    String(options.maxTokens),
    '--itl-ms',
    String(options.itlMs),
    '--duration-s',
    String(options.durationS),
    '--warmup-s',
    String(options.warmupS),
  ];
  const command =
    client === 'servebench'
      ? [process.execPath, ...nodeClientFlags(), join(here, 'node-client.ts'), ...args]
      : [options.python, join(here, 'python_client.py'), ...args];
  const host0 = hostCpuMs();
  const self0 = selfCpuMs();
  const t0 = performance.now();
  const stdout = await runChild(
    pinned ? ['taskset', '-c', '1', ...command] : command,
    options.durationS + 60,
  );
  const host1 = hostCpuMs();
  const wallMs = performance.now() - t0;
  const selfMs = selfCpuMs() - self0;
  const stats = (await fetch(`${server.url}/stats`).then((r) => r.json())) as ServerStats;
  const output = JSON.parse(stdout) as StepOutput;
  // Whatever the host ran meanwhile, less the server, the client (its whole life) and this process.
  const others =
    host0 === null || host1 === null ? null : host1 - host0 - stats.cpuMs - output.cpu_total_ms - selfMs;
  const backgroundPct = others === null ? null : Math.max(0, (100 * others) / wallMs);
  return evaluate(client, concurrency, output, stats, backgroundPct, options);
}

export function evaluate(
  client: ClientName,
  concurrency: number,
  output: StepOutput,
  stats: ServerStats,
  backgroundPct: number | null,
  options: Pick<CapacityOptions, 'itlMs' | 'p99LimitMs' | 'minDelivered' | 'maxBackgroundPct'>,
): TrialResult {
  const errors = sorted(output.recv.map((r, i) => r - (output.sent[i] as number)));
  const windowMs = output.window_ms[1] - output.window_ms[0];
  const offeredPerS = (concurrency * 1000) / options.itlMs;
  const sustainedPerS = (errors.length * 1000) / windowMs;
  const p99Ms = percentileOfSorted(errors, 99);
  const delivered = sustainedPerS / offeredPerS;
  const notes: string[] = [];
  if (p99Ms >= options.p99LimitMs) notes.push(`p99 >= ${options.p99LimitMs} ms`);
  if (delivered < options.minDelivered) notes.push(`only ${(delivered * 100).toFixed(0)}% of offered`);
  if (output.failures > 0) notes.push(`${output.failures} failed requests`);
  if (output.unmatched > 0) notes.push(`${output.unmatched} chunks without a stamp`);
  return {
    client,
    concurrency,
    offeredPerS,
    sustainedPerS,
    delivered,
    chunks: errors.length,
    p50Ms: percentileOfSorted(errors, 50),
    p99Ms,
    p999Ms: percentileOfSorted(errors, 99.9),
    maxMs: errors.length > 0 ? (errors[errors.length - 1] as number) : 0,
    requests: output.requests,
    failures: output.failures,
    unmatched: output.unmatched,
    clientCpuPct: (100 * output.cpu_ms) / windowMs,
    clientCpuUsPerChunk: errors.length > 0 ? (output.cpu_ms * 1000) / errors.length : 0,
    serverCpuUsPerChunk: stats.chunks > 0 ? (stats.cpuMs * 1000) / stats.chunks : 0,
    serverLateChunks: stats.lateChunks,
    backgroundPct,
    noisy: backgroundPct !== null && backgroundPct > options.maxBackgroundPct,
    pass: notes.length === 0,
    note: notes.join(', '),
  };
}

/** Runs a command to completion (killed after timeoutS), returning its stdout. */
function runChild(command: string[], timeoutS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command as [string, ...string[]];
    const child: ChildProcess = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const tail = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n');
      reject(new Error(`${command.slice(0, 3).join(' ')} exited with ${signal ?? code}:\n${tail}`));
    });
  });
}

/**
 * Extra Node flags for our client process, for experiments only (e.g.
 * SERVEBENCH_CLIENT_NODE_FLAGS=--max-semi-space-size=64); the reported figures use none.
 */
function nodeClientFlags(): string[] {
  return (process.env.SERVEBENCH_CLIENT_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * Checks that the Python interpreter has aiohttp; if not and we are root with apt-get, installs
 * Debian's python3-aiohttp. Returns null when usable, else why the Python half is skipped.
 */
function ensurePythonAiohttp(python: string, log: (line: string) => void): string | null {
  const probe = () => spawnSync(python, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0;
  if (probe()) return null;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (python === '/usr/bin/python3' && isRoot && hasApt) {
    log('python3-aiohttp is missing: installing it with apt-get (Debian package)...');
    const install = spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq python3-aiohttp'], {
      stdio: 'ignore',
      timeout: 300_000,
    });
    if (install.status === 0 && probe()) return null;
    return 'apt-get install python3-aiohttp failed';
  }
  return `${python} cannot import aiohttp (install Debian's python3-aiohttp, or set SERVEBENCH_PYTHON to an interpreter that has it)`;
}

if (import.meta.main) {
  const result = await runClientCapacity();
  process.exitCode = result.capacity.servebench ? 0 : 1;
}

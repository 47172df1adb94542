import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StreamServer, startStreamServer } from '../../src/testing/stream-server.ts';
import { version } from '../../src/version.ts';
import { servebench, servebenchUntil } from './run-cli.ts';

/**
 * `servebench run` against a real loopback server, driven with `vllm bench serve` command lines.
 * Every run is bounded by --num-prompts; --max-lateness-ms is relaxed where the client's own
 * timing check is not what a test is about (tiny runs on a busy machine start a few ms late).
 */

const listen = (server: Server, port = 0) =>
  new Promise<number>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** A loopback proxy in front of `target` that records each request's path and headers. */
async function startHeaderRecorder(target: string) {
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const upstream = request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, seen, close: () => close(server) };
}

/** A port the OS just handed out and nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

const lines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n');
const leaked = /NaN|received|Invalid input|too_small|invalid_type|arrival\.|startRate|zod/i;

let server: StreamServer;
let dir: string;
beforeAll(async () => {
  server = await startStreamServer({ ttftMs: 5, itlMs: 1 });
  dir = await mkdtemp(join(tmpdir(), 'servebench-compat-'));
});
afterAll(() => server.close());

describe('servebench run takes vllm bench serve command lines (real CLI, loopback server)', () => {
  it('passes vLLM flags with their meanings: served model, sampling, extra body, headers, lengths, warm-ups, label, metadata, detailed result', async () => {
    const proxy = await startHeaderRecorder(server.url);
    const resultDir = join(dir, 'detailed');
    const before = server.received.length;
    const out = await servebench(
      [
        'run',
        '--base-url',
        proxy.url,
        '--model',
        'org/Model-7B',
        '--served-model-name',
        'test-model',
        '--input-len',
        '12',
        '--output-len',
        '6',
        '--num-prompts',
        '20',
        '--request-rate',
        '200',
        '--max-concurrency',
        '4',
        '--num-warmups',
        '2',
        '--temperature',
        '0.7',
        '--top-p',
        '0.9',
        '--top-k',
        '20',
        '--extra-body',
        '{"top_k": 5, "chat_template_kwargs": {"enable_thinking": false}}',
        '--header',
        'x-bench=yes',
        'x-team = perf',
        '--tokenizer',
        'org/tok',
        '--trust-remote-code',
        '--label',
        'mylabel',
        '--metadata',
        'tp=1',
        'note=a=b',
        '--metric-percentiles',
        '50,99',
        '--disable-tqdm',
        '--ready-check-timeout-sec',
        '5',
        '--save-result',
        '--save-detailed',
        '--result-dir',
        resultDir,
        '--max-lateness-ms',
        '1000',
      ],
      dir,
    );
    await proxy.close();
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(
      /warning: servebench loads no tokenizer: prompt lengths come from the server's \/tokenize/,
    );
    expect(out.stderr).not.toMatch(/req\/s now/); // --disable-tqdm

    const bodies = server.received.slice(before);
    expect(bodies).toHaveLength(22); // 2 warm-ups + 20 measured
    for (const body of bodies) {
      expect(body).toMatchObject({
        model: 'test-model',
        max_tokens: 6,
        temperature: 0.7,
        top_p: 0.9,
        top_k: 5, // --extra-body wins over --top-k, as in vLLM
        chat_template_kwargs: { enable_thinking: false },
        ignore_eos: true,
      });
      expect(body.prompt).toHaveLength(12);
    }
    const sent = proxy.seen.filter((r) => r.url === '/v1/models' || r.url === '/v1/completions');
    expect(sent.some((r) => r.method === 'GET' && r.url === '/v1/models')).toBe(true);
    for (const r of sent) expect(r.headers).toMatchObject({ 'x-bench': 'yes', 'x-team': 'perf' });

    const [file, ...others] = (await readdir(resultDir)).filter((f) => f.endsWith('.json'));
    expect(others).toEqual([]);
    expect(file).toMatch(/^mylabel-200\.0qps-concurrency4-Model-7B-\d{8}-\d{6}\.json$/);
    const doc = JSON.parse(await readFile(join(resultDir, file as string), 'utf8'));
    expect(doc.date).toMatch(/^\d{8}-\d{6}$/);
    expect(file).toContain(doc.date);
    expect(doc).toMatchObject({
      endpoint_type: 'openai',
      backend: 'openai',
      label: 'mylabel',
      model_id: 'org/Model-7B',
      tokenizer_id: 'org/tok',
      num_prompts: 20,
      tp: '1',
      note: 'a=b',
      request_rate: 200,
      burstiness: 1,
      max_concurrency: 4,
      completed: 20,
    });
    expect(doc).not.toHaveProperty('ramp_up_strategy');
    expect(Object.keys(doc).slice(0, 12)).toEqual([
      'date',
      'endpoint_type',
      'backend',
      'label',
      'model_id',
      'tokenizer_id',
      'num_prompts',
      'tp',
      'note',
      'request_rate',
      'burstiness',
      'max_concurrency',
    ]);
    for (const metric of ['client_queue_time', 'e2el_including_client_queue']) {
      for (const stat of ['mean', 'median', 'std', 'p50', 'p99'])
        expect(doc).toHaveProperty([`${stat}_${metric}_ms`]);
    }
    expect(doc.input_lens).toEqual(Array(20).fill(12));
    expect(doc.output_lens).toEqual(Array(20).fill(6));
    expect(doc.errors).toEqual(Array(20).fill(''));
    expect(doc.itls.map((itl: number[]) => itl.length)).toEqual(Array(20).fill(5));
    for (const ttft of doc.ttfts) expect(ttft).toBeGreaterThan(0.004); // seconds, as vLLM
    for (const ttft of doc.ttfts) expect(ttft).toBeLessThan(5);
    expect(doc.latencies).toHaveLength(20);
    expect(doc.queue_times).toHaveLength(20);
    expect(doc).not.toHaveProperty('generated_texts');

    const raw = await lines(join(resultDir, doc.raw_records_file));
    expect(raw).toHaveLength(22);
    expect(raw.filter((l) => JSON.parse(l).warmup)).toHaveLength(2);

    const again = await servebench(
      [
        'summarize',
        join(resultDir, doc.raw_records_file),
        '--percentile-metrics',
        'ttft,client_queue_time',
        '--metric-percentiles',
        '50,99',
        '--json',
      ],
      dir,
    );
    expect(again.code, again.stderr).toBe(0);
    const recomputed = JSON.parse(again.stdout);
    expect(recomputed.mean_client_queue_time_ms).toEqual(doc.mean_client_queue_time_ms);
    expect(recomputed.p99_client_queue_time_ms).toEqual(doc.p99_client_queue_time_ms);
  });

  it('--append-result adds one JSON line per run to an absolute --result-filename; without --save-detailed no per-request arrays; nothing lands in the working directory', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'servebench-cwd-'));
    const resultFile = join(dir, 'appended', 'runs.json');
    const args = [
      'run',
      '--base-url',
      server.url,
      '--random-input-len',
      '8',
      '--random-output-len',
      '4',
      '--num-prompts',
      '5',
      '--append-result',
      '--result-filename',
      resultFile,
      '--max-lateness-ms',
      '1000',
    ];
    for (let i = 0; i < 2; i++) {
      const out = await servebench(args, cwd);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain(`result: ${resultFile} (appended)`);
    }
    expect(await readdir(cwd)).toEqual([]);
    const docs = (await lines(resultFile)).map((l) => JSON.parse(l));
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(doc).toMatchObject({
        backend: 'openai',
        label: null,
        model_id: 'test-model',
        tokenizer_id: 'test-model',
        num_prompts: 5,
        request_rate: 'inf',
        burstiness: 1,
        max_concurrency: null,
        completed: 5,
      });
      for (const key of [
        'input_lens',
        'output_lens',
        'ttfts',
        'itls',
        'latencies',
        'start_times',
        'errors',
      ]) {
        expect(doc).not.toHaveProperty([key]);
      }
      expect(doc).not.toHaveProperty(['mean_client_queue_time_ms']); // no --max-concurrency
    }
    // One raw file per appended run, beside the result file.
    expect(docs[0].raw_records_file).not.toEqual(docs[1].raw_records_file);
    for (const doc of docs) expect(await lines(join(dir, 'appended', doc.raw_records_file))).toHaveLength(5);
  });

  it('the random dataset ignores EOS unless --no-ignore-eos; sharegpt only with --ignore-eos (as vLLM); raw records of unsaved runs go to --result-dir or $TMPDIR/servebench', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'servebench-cwd-'));
    const tmp = await mkdtemp(join(tmpdir(), 'servebench-tmp-'));
    const sharegpt = join(import.meta.dirname, '../../fixtures/sharegpt-small.json');
    const base = ['run', '--base-url', server.url, '--num-prompts', '2', '--max-lateness-ms', '1000'];
    const cases: Array<[string[], boolean | undefined]> = [
      [['--random-input-len', '8', '--random-output-len', '4'], true],
      [['--random-input-len', '8', '--random-output-len', '4', '--no-ignore-eos'], undefined],
      [['--dataset-name', 'sharegpt', '--dataset-path', sharegpt, '--sharegpt-output-len', '4'], undefined],
      [['--dataset-name', 'sharegpt', '--dataset-path', sharegpt, '--output-len', '4', '--ignore-eos'], true],
    ];
    for (const [flags, ignoreEos] of cases) {
      const before = server.received.length;
      const out = await servebench([...base, ...flags], cwd, { TMPDIR: tmp });
      expect(out.code, out.stderr).toBe(0);
      const bodies = server.received.slice(before);
      expect(bodies.map((b) => b.ignore_eos)).toEqual([ignoreEos, ignoreEos]);
      expect(bodies.map((b) => b.max_tokens)).toEqual([4, 4]);
    }
    expect(await readdir(cwd)).toEqual([]);
    expect(await readdir(join(tmp, 'servebench'))).toHaveLength(4);

    const rawDir = join(dir, 'raw-only');
    const out = await servebench([...base, '--output-len', '4', '--result-dir', rawDir], cwd, {
      TMPDIR: tmp,
    });
    expect(out.code, out.stderr).toBe(0);
    const files = await readdir(rawDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^openai-infqps-test-model-\d{8}-\d{6}\.jsonl$/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('--ready-check-timeout-sec waits for a server that starts late, and gives up with a clear error', async () => {
    const port = await freePort();
    const args = [
      'run',
      '--port',
      String(port),
      '--ready-check-timeout-sec',
      '20',
      '--num-prompts',
      '3',
      '--output-len',
      '2',
    ];
    // The server starts a second after the CLI has begun waiting for it, however slow the host.
    const waiting = await servebenchUntil(args, dir, { TMPDIR: dir }, /waiting up to/);
    await sleep(1000);
    const late = await startStreamServer({}, port);
    try {
      const out = await waiting.outcome;
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toMatch(/waiting up to 20 s for http:\/\/127\.0\.0\.1:\d+\/v1\/models/);
      expect(Number(/server ready after ([\d.]+) s/.exec(out.stderr)?.[1])).toBeGreaterThanOrEqual(1);
      expect(late.received).toHaveLength(3);
    } finally {
      await late.close();
    }

    const nobody = await freePort();
    const out = await servebench(['run', '--port', String(nobody), '--ready-check-timeout-sec', '1'], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/not ready within 1 s \(last: ECONNREFUSED\)/);
    expect(out.stderr).toMatch(/hint: .*--ready-check-timeout-sec/);
  });

  it('failed requests are summarized on the console with the HTTP error body and their count', async () => {
    const out = await servebench(
      ['run', '--base-url', server.url, '--endpoint', '/v1/nope', '--num-prompts', '6', '--output-len', '2'],
      dir,
      { TMPDIR: dir },
    );
    expect(out.code).toBe(2);
    expect(out.stdout).toContain('Failed requests by reason:');
    expect(out.stdout).toContain(
      '6 failed: HTTP 404: {"error":{"message":"no route POST /v1/nope","type":"NotFoundError","code":404}}',
    );
  });

  it('--version prints the version; sim --help names the command typed', async () => {
    const v = await servebench(['--version'], dir);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    const help = await servebench(['sim', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: servebench sim \[options\]/);
  });

  it.each([
    [['--num-prompt', '5'], '--num-prompts'],
    [['--request-rat', '5'], '--request-rate'],
    [['--ready-check-timeout', '5'], '--ready-check-timeout-sec'],
    [['--random-input-length', '5'], '--random-input-len'],
    [['--save-detail'], '--save-detailed'],
    [['--metdata', 'a=1'], '--metadata'],
  ])('unknown flag %j suggests %s', async (args, suggestion) => {
    const out = await servebench(['run', ...args], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`error: unknown option '${args[0]}'\n(Did you mean ${suggestion}?)`);
  });

  it('a vllm bench serve flag servebench lacks fails with why and what to use', async () => {
    const out = await servebench(['run', '--logprobs', '5'], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /--logprobs is a vllm bench serve flag servebench does not take: .*--extra-body/,
    );
  });

  it.each([
    [['--concurrency', '4', '--request-rate', '5'], '--concurrency and --request-rate contradict'],
    [['--concurrency', '4', '--max-concurrency', '8'], '--concurrency and --max-concurrency contradict'],
    [
      [
        '--ramp-up-strategy',
        'linear',
        '--ramp-up-start-rps',
        '1',
        '--ramp-up-end-rps',
        '5',
        '--request-rate',
        '3',
      ],
      '--ramp-up-strategy and --request-rate contradict',
    ],
    [
      ['--arrival', 'constant', '--burstiness', '2', '--request-rate', '5'],
      '--arrival and --burstiness contradict',
    ],
    [['--burstiness', '0.5'], '--burstiness and --request-rate inf contradict'],
    [
      ['--input-len', '10', '--random-input-len', '20'],
      '--input-len 10 and --random-input-len 20 contradict',
    ],
    [['--num-warmups', '1', '--warmup-requests', '2'], '--num-warmups 1 and --warmup-requests 2 contradict'],
    [['--dataset-path', 'x.json'], '--dataset-name random and --dataset-path contradict'],
    [['--port', '1'], '--base-url and --port contradict'],
    [['--duration', '5'], '--duration and --request-rate inf contradict'],
  ])('contradictory flags %j fail naming both (exit 1)', async (args, message) => {
    const out = await servebench(['run', '--base-url', server.url, ...args], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`error: ${message}`);
    expect(out.stderr).toMatch(/hint: /);
  });

  it.each([
    [['--ramp-up-strategy', 'linear'], /--ramp-up-strategy needs --ramp-up-start-rps and --ramp-up-end-rps/],
    [['--ramp-up-end-rps', '4'], /--ramp-up-end-rps needs --ramp-up-strategy/],
    [['--dataset-name', 'sharegpt'], /--dataset-name sharegpt needs --dataset-path/],
    [
      ['--metadata', 'novalue'],
      /--metadata <key=value...>' argument 'novalue' is invalid\. expected KEY=VALUE/,
    ],
    [
      ['--header', 'bad header=1'],
      /--header <key=value...>' argument .* expected KEY=VALUE with KEY an HTTP header name/,
    ],
    [['--extra-body', '[1]'], /--extra-body <json>' argument '\[1\]' is invalid\. expected a JSON object/],
    [['--extra-body', '{oops'], /--extra-body <json>' argument '\{oops' is invalid\. expected a JSON object/],
    [
      ['--workers', 'zero'],
      /--workers <n>' argument 'zero' is invalid\. expected 'auto' or a positive integer/,
    ],
    [
      ['--base-url', 'localhost:8000'],
      /--base-url <url>' argument .* expected an http:\/\/ or https:\/\/ URL/,
    ],
    [['--endpoint', 'v1/completions'], /--endpoint <path>' argument .* expected a path starting with '\/'/],
    [['--ready-check-timeout-sec', '-1'], /--ready-check-timeout-sec <s>' argument '-1' is invalid/],
    [['--top-p', '2'], /--top-p <p>' argument '2' is invalid\. expected a number in \(0, 1\]/],
    [
      ['--ramp-up-strategy', 'linear', '--ramp-up-start-rps', '0'],
      /--ramp-up-start-rps <rps>' argument '0' is invalid/,
    ],
    [
      ['--percentile-metrics', 'client_queue_time'],
      /--percentile-metrics needs at least one of ttft, tpot, itl, e2el/,
    ],
  ])('missing or invalid value %j names the flag and what it takes (exit 1)', async (args, message) => {
    const out = await servebench(['run', '--base-url', server.url, ...args], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toMatch(leaked);
  });
});

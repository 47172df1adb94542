import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StreamServer, startStreamServer } from '../../src/testing/stream-server.ts';
import { servebench } from './run-cli.ts';

let server: StreamServer;
let dir: string;
beforeAll(async () => {
  server = await startStreamServer({ ttftMs: 10, itlMs: 2 });
  dir = await mkdtemp(join(tmpdir(), 'servebench-cli-'));
});
afterAll(() => server.close());

describe('servebench CLI (real child processes)', () => {
  it('run: takes vLLM bench flags, prints the table, saves result JSON and raw JSONL that summarize reproduces', async () => {
    const out = await servebench(
      [
        'run',
        '--base-url',
        server.url,
        '--model',
        'test-model',
        '--dataset-name',
        'random',
        '--random-input-len',
        '16',
        '--random-output-len',
        '8',
        '--num-prompts',
        '30',
        '--request-rate',
        '40',
        '--burstiness',
        '1',
        '--seed',
        '3',
        '--ignore-eos',
        '--goodput',
        'ttft:50',
        'tpot:20',
        '--percentile-metrics',
        'ttft,tpot,itl,e2el',
        '--metric-percentiles',
        '50,99,99.9',
        '--save-result',
        '--result-dir',
        dir,
        '--result-filename',
        'run1.json',
        '--max-lateness-ms',
        '1000',
      ],
      dir,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Serving Benchmark Result/);
    expect(out.stdout).toMatch(/Successful requests:\s+30/);
    expect(out.stderr).toMatch(/30\/30 done/);
    const result = JSON.parse(await readFile(join(dir, 'run1.json'), 'utf8'));
    for (const key of [
      'completed',
      'failed',
      'total_input_tokens',
      'total_output_tokens',
      'duration',
      'request_throughput',
      'output_throughput',
      'total_token_throughput',
      'request_goodput',
      'p99_ttft_ms',
      'p99.9_itl_ms',
      'median_e2el_ms',
      'std_tpot_ms',
    ]) {
      expect(result, key).toHaveProperty([key]);
    }
    expect(result.completed).toBe(30);
    expect(result.total_output_tokens).toBe(240);
    expect(result.request_rate).toBe(40);
    expect(server.received.at(-1)?.ignore_eos).toBe(true);

    const jsonl = (await readFile(join(dir, 'run1.jsonl'), 'utf8')).trim().split('\n');
    expect(jsonl).toHaveLength(30);
    const record = JSON.parse(jsonl[0] as string);
    for (const key of [
      'ok',
      'scheduled_ms',
      'sent_ms',
      'end_ms',
      'chunk_ms',
      'chunk_tokens',
      'prompt_tokens',
      'output_tokens',
      'error',
    ]) {
      expect(record).toHaveProperty([key]);
    }

    const again = await servebench(
      [
        'summarize',
        join(dir, 'run1.jsonl'),
        '--goodput',
        'ttft:50',
        'tpot:20',
        '--metric-percentiles',
        '50,99,99.9',
        '--json',
      ],
      dir,
    );
    expect(again.code, again.stderr).toBe(0);
    const recomputed = JSON.parse(again.stdout);
    for (const key of [
      'completed',
      'duration',
      'request_throughput',
      'request_goodput',
      'p99_ttft_ms',
      'p99.9_itl_ms',
      'mean_tpot_ms',
      'ci95',
    ]) {
      expect(recomputed[key], key).toEqual(result[key]);
    }
  });

  it('summarize names the line and field of a bad record', async () => {
    const file = join(dir, 'bad.jsonl');
    await writeFile(
      file,
      '{"ok":true,"scheduled_ms":0,"sent_ms":0,"end_ms":1,"chunk_ms":[],"chunk_tokens":[],"prompt_tokens":1,"output_tokens":1,"error":null}\n{"ok":"yes"}\n',
    );
    const out = await servebench(['summarize', file], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/bad.jsonl:2: field 'ok'/);
  });

  it.each([
    [
      ['run', '--num-prompts', 'abc'],
      /--num-prompts.*expected a positive integer up to 1,000,000, got 'abc'/,
    ],
    [
      ['run', '--request-rate', '-2'],
      /--request-rate.*expected 'inf' or a rate in \[0.0001, 1,000,000\] req\/s/,
    ],
    [
      ['run', '--num-prompts', '1e12'],
      /--num-prompts.*expected a positive integer up to 1,000,000, got '1e12'/,
    ],
    [['run', '--request-timeout', '1e10'], /--request-timeout.*expected seconds in \[0.001, 86,400\]/],
    // Refused before the server is asked anything (port 9 answers nothing: it would say "cannot reach").
    [
      ['run', '--base-url', 'http://127.0.0.1:9', '--request-rate', '0.0001', '--num-prompts', '1000'],
      /--request-rate \(or --ramp-up-\*\) and --num-prompts plan a run whose last request is sent after 116 days/,
    ],
    [['run', '--goodput', 'ttft=5'], /--goodput.*expected KEY:MS/],
    [['run', '--dataset-name', 'nope'], /--dataset-name.*Allowed choices are random, sharegpt/],
    [['run', '--percentile-metrics', 'ttft,foo'], /--percentile-metrics.*got 'foo'/],
    [
      ['run', '--base-url', 'http://127.0.0.1:9'],
      /cannot reach the server at http:\/\/127.0.0.1:9\/v1\/models/,
    ],
    [['summarize', 'missing.jsonl'], /cannot read missing.jsonl: no such file/],
  ])('bad input %j gives a clear error and exit code 1', async (args, message) => {
    const out = await servebench(args as string[], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
  });

  it('a dataset error names the flag', async () => {
    const out = await servebench(
      [
        'run',
        '--base-url',
        server.url,
        '--dataset-name',
        'sharegpt',
        '--dataset-path',
        join(dir, 'none.json'),
        '--num-prompts',
        '2',
      ],
      dir,
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/none.json/);
    expect(await readdir(dir)).not.toContain('none.json');
  });
});

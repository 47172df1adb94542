import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityResult } from '../../src/capacity/result.ts';
import { type SlotServer, startSlotServer } from '../../src/testing/slot-server.ts';
import { servebench } from './run-cli.ts';

/**
 * `servebench capacity` against a real loopback server of known capacity: 4 slots, each request
 * served for 20 + 10 * 3 = 50 ms (11 output tokens), so at most 80 req/s. Searches are kept
 * short (few judged requests, loose precision, few probes): these tests check the command, not
 * the accuracy of the search (src/capacity has those). The client's lateness check is relaxed,
 * as a busy machine starts tiny runs a few ms late.
 */

const load = ['--input-len', '8', '--output-len', '11', '--max-lateness-ms', '1000'];
const slo = ['--goodput', 'ttft:200', '--slo-attainment', '0.8'];
const short = ['--min-requests', '20', '--max-requests', '60'];
const sloWords = '80 % of requests within TTFT 200 ms';

let server: SlotServer;
let dir: string;
beforeAll(async () => {
  server = await startSlotServer({ slots: 4, ttftMs: 20, itlMs: 3 });
  dir = await mkdtemp(join(tmpdir(), 'servebench-capacity-'));
});
afterAll(() => server.close());

const probeLines = (stderr: string) => stderr.split('\n').filter((l) => /^probe \d+ \(/.test(l));

describe('servebench capacity (real CLI, loopback slot server)', () => {
  it('request-rate search: the answer first, a probes table, one progress line and one raw records file per load run, and the result JSON', async () => {
    const resultDir = join(dir, 'rate');
    const out = await servebench(
      [
        'capacity',
        '--base-url',
        server.url,
        ...load,
        ...slo,
        ...short,
        '--precision',
        '0.3',
        '--max-probes',
        '6',
        '--label',
        'ci',
        '--metadata',
        'gpu=none',
        '--save-result',
        '--result-dir',
        resultDir,
        '--result-filename',
        'cap.json',
      ],
      dir,
    );
    expect(out.code, out.stderr).toBe(0);
    const [answer, blank, header] = out.stdout.split('\n');
    expect(answer).toMatch(
      new RegExp(`^Max request rate under SLO \\(${sloWords}\\): (at least )?[\\d.]+ req/s`),
    );
    expect(blank).toBe('');
    expect(header).toMatch(
      /^#\s+phase\s+load req\/s\s+judged\s+offered req\/s\s+done req\/s\s+attainment\s+verdict$/,
    );

    const doc = JSON.parse(await readFile(join(resultDir, 'cap.json'), 'utf8'));
    expect(doc).toMatchObject({
      backend: 'openai',
      label: 'ci',
      model_id: 'slot-model',
      tokenizer_id: 'slot-model',
      gpu: 'none',
      capacity_slo: { goodput: { ttft: 200 }, attainment: 0.8, latency: 'queued' },
      capacity_search: { variable: 'request-rate', precision: 0.3, maxProbes: 6, minRequests: 20 },
    });
    expect(doc.date).toMatch(/^\d{8}-\d{6}$/);
    expect(doc).not.toHaveProperty('num_prompts');
    const capacity = doc.capacity as CapacityResult;
    expect(Object.keys(capacity)).toEqual(
      expect.arrayContaining(['variable', 'max_passing', 'min_failing', 'stop_reason', 'probes']),
    );
    expect(capacity).toMatchObject({ variable: 'request-rate', mode: 'search', slo: sloWords });
    expect(capacity.max_passing).toBeGreaterThan(0);
    if (capacity.min_failing !== null)
      expect(capacity.min_failing).toBeGreaterThan(capacity.max_passing as number);
    expect(capacity.probes.length).toBeGreaterThan(1);
    expect(capacity.probes.length).toBeLessThanOrEqual(6);
    expect(capacity.probes[0]?.phase).toBe('saturate');
    // Every load run: a progress line, a table row, a raw records file beside the result.
    expect(probeLines(out.stderr)).toHaveLength(capacity.probes.length);
    expect(out.stdout.trim().split('\n')).toHaveLength(3 + capacity.probes.length);
    for (const probe of capacity.probes) {
      expect(probe.rawFile).toBe(`cap-probe-${probe.index}.jsonl`);
      const records = (await readFile(join(resultDir, probe.rawFile as string), 'utf8')).trim().split('\n');
      // judgedRequests pools a lengthened probe's runs; each file holds one run.
      expect(records.length).toBeGreaterThan(0);
      expect(JSON.parse(records[0] as string)).toHaveProperty('scheduled_ms');
    }
    expect(out.stderr).toContain(`result: ${join(resultDir, 'cap.json')}`);
  });

  it('--search concurrency sweeps whole numbers of closed-loop users', async () => {
    const out = await servebench(
      [
        'capacity',
        '--base-url',
        server.url,
        ...load,
        ...slo,
        ...short,
        '--search',
        'concurrency',
        '--start',
        '2',
        '--max-load',
        '64',
        '--precision',
        '0.5',
        '--max-probes',
        '6',
        '--save-result',
        '--result-dir',
        join(dir, 'users'),
      ],
      dir,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`^Max concurrency under SLO \\(${sloWords}\\): (at least )?\\d+ users`),
    );
    const files = await readdir(join(dir, 'users'));
    const name = files.find((f) => f.endsWith('.json'));
    expect(name).toMatch(/^openai-capacity-concurrency-slot-model-\d{8}-\d{6}\.json$/);
    const { capacity } = JSON.parse(await readFile(join(dir, 'users', name as string), 'utf8')) as {
      capacity: CapacityResult;
    };
    expect(capacity.variable).toBe('concurrency');
    expect(capacity.probes[0]).toMatchObject({ load: 2, achievedOfferedRate: null });
    for (const p of capacity.probes) expect(Number.isInteger(p.load)).toBe(true);
    expect(files.filter((f) => f.endsWith('.jsonl'))).toHaveLength(capacity.probes.length);
  });

  it('--confirm checks one load; unsaved probe records go to --result-dir, no result file', async () => {
    const resultDir = join(dir, 'confirm');
    const out = await servebench(
      [
        'capacity',
        '--base-url',
        server.url,
        ...load,
        ...slo,
        ...short,
        '--confirm',
        '20',
        '--result-dir',
        resultDir,
      ],
      dir,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(
      new RegExp(`^Request rate 20 req/s meets the SLO \\(${sloWords}\\) \\(\\d+ probes?\\)`),
    );
    const files = await readdir(resultDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(f).toMatch(/^openai-capacity-request-rate-slot-model-\d{8}-\d{6}-probe-\d+\.jsonl$/);
  });

  it('no load meets the SLO: exit 2, and the answer says so', async () => {
    const out = await servebench(
      [
        'capacity',
        '--base-url',
        server.url,
        ...load,
        ...short,
        '--goodput',
        'ttft:1', // every request's first token comes 20 ms after it starts
        '--max-probes',
        '3',
        '--result-dir',
        join(dir, 'none'),
      ],
      dir,
    );
    expect(out.code, out.stderr).toBe(2);
    expect(out.stdout).toMatch(/^No request rate meets the SLO \(95 % of requests within TTFT 1 ms\)/);
    expect(probeLines(out.stderr).length).toBeGreaterThan(0);
    expect(out.stderr).not.toMatch(/-> pass/);
  });

  it.each([
    [
      ['--goodput', 'ttft:200', '--request-rate', '5'],
      /error: --request-rate does not apply to servebench capacity: --search request-rate sweeps the request rate\nhint: /,
    ],
    [
      ['--goodput', 'ttft:200', '--max-concurrency', '4'],
      /error: --max-concurrency does not apply to servebench capacity: .*--search concurrency/,
    ],
    [
      ['--goodput', 'ttft:200', '--num-prompts', '100'],
      /error: --num-prompts does not apply .*\nhint: .*--min-requests/,
    ],
    [
      ['--slo-percentile', 'p98_ttft:200'],
      /--slo-percentile <pNN_metric:ms...>' argument 'p98_ttft:200' is invalid\. expected pNN_METRIC:MS with pNN one of p50, p75, p90, p95, p99, p99\.9/,
    ],
    [
      ['--goodput', 'ttft:200', '--slo-attainment', '1.5'],
      /--slo-attainment <share>' argument '1\.5' is invalid\. expected a number in \(0, 1\)/,
    ],
    [
      [],
      /error: servebench capacity needs an SLO: give --goodput, --slo-percentile or --max-error-rate\nhint: .*\ncode: SB_CONFIG\n/,
    ],
    [['--max-error-rate', '0.1', '--slo-attainment', '0.9'], /error: --slo-attainment needs --goodput/],
    [
      ['--goodput', 'ttft:200', '--search', 'concurrency', '--burstiness', '2'],
      /error: --search concurrency and --burstiness contradict/,
    ],
    [['--goodput', 'ttft:200', '--request-rat', '5'], /unknown option '--request-rat'/],
  ])('bad flags %j: exit 1, naming the flag and what it takes', async (args, message) => {
    const out = await servebench(['capacity', '--base-url', server.url, ...args], dir);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('--help lists the SLO and search flags, not the traffic flags the search sets', async () => {
    const out = await servebench(['capacity', '--help'], dir);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/SLO:[\s\S]*--slo-percentile[\s\S]*Search:[\s\S]*--precision/);
    expect(out.stdout).not.toMatch(/^ {2}--(request-rate|max-concurrency|num-prompts|save-detailed) /m);
    expect(existsSync(join(dir, 'cap.json'))).toBe(false); // nothing lands in the working directory
  });
});

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { checkCapacityFlags } from './capacity-checks.ts';
import { capacityInputsFromFlags } from './capacity-inputs.ts';
import { addCapacityOptions, type CapacityFlags, capacityGivenIn } from './capacity-options.ts';

/** Parses a capacity command line as the CLI does, then checks it and builds the engine's inputs. */
function capacity(args: string[]) {
  const cmd = addCapacityOptions(new Command('capacity'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.parse(args, { from: 'user' });
  const flags = cmd.opts<CapacityFlags>();
  const warnings = checkCapacityFlags(flags, capacityGivenIn(cmd));
  return { ...capacityInputsFromFlags(flags), warnings };
}

const url = ['--base-url', 'http://127.0.0.1:9'];
const slo = ['--goodput', 'ttft:200', 'tpot:50'];

describe('servebench capacity flags', () => {
  it('maps the SLO, the search and the shared load flags, with the engine defaults', () => {
    const out = capacity([
      ...url,
      ...slo,
      '--slo-attainment',
      '0.9',
      '--slo-percentile',
      'p99_ttft:300',
      'p99.9_e2el:2000',
      '--slo-percentile',
      'p50_ttft:100',
      '--max-error-rate',
      '0.01',
      '--slo-latency',
      'sent',
      '--precision',
      '0.1',
      '--max-probes',
      '6',
      '--start',
      '4',
      '--max-load',
      '64',
      '--min-requests',
      '50',
      '--max-requests',
      '400',
      '--burstiness',
      '2',
      '--random-input-len',
      '64',
      '--num-warmups',
      '3',
    ]);
    expect(out.slo).toEqual({
      goodput: { ttft: 200, tpot: 50 },
      attainment: 0.9,
      percentiles: { ttft: { p99: 300, p50: 100 }, e2el: { 'p99.9': 2000 } },
      maxErrorRate: 0.01,
      latency: 'sent',
    });
    expect(out.search).toMatchObject({
      variable: 'request-rate',
      arrival: 'gamma',
      burstiness: 2,
      mode: 'search',
      start: 4,
      max: 64,
      precision: 0.1,
      maxProbes: 6,
      minRequests: 50,
      maxRequests: 400,
    });
    expect(out.base).toMatchObject({
      baseUrl: 'http://127.0.0.1:9',
      warmupRequests: 3,
      dataset: { name: 'random', input_len: 64 },
      goodput: { ttft: 200, tpot: 50 },
    });
    expect(out.base).not.toHaveProperty('arrival');
    expect(out.base).not.toHaveProperty('requests');
    expect(out.confirm).toBeUndefined();
  });

  it('defaults: request-rate search, Poisson, 95 % attainment, queued latency, the schema defaults', () => {
    const out = capacity([...url, ...slo]);
    expect(out.slo).toMatchObject({ attainment: 0.95, latency: 'queued' });
    expect(out.search).toMatchObject({
      variable: 'request-rate',
      arrival: 'poisson',
      mode: 'search',
      precision: 0.05,
      maxProbes: 12,
      max: 1024,
    });
    expect(out.warnings).toEqual([]);
  });

  it('--arrival constant or --burstiness inf: evenly spaced probes; --search concurrency, --confirm', () => {
    expect(capacity([...url, ...slo, '--arrival', 'constant']).search.arrival).toBe('constant');
    expect(capacity([...url, ...slo, '--burstiness', 'inf']).search.arrival).toBe('constant');
    const closed = capacity([
      ...url,
      ...slo,
      '--search',
      'concurrency',
      '--mode',
      'adaptive',
      '--start',
      '2',
    ]);
    expect(closed.search).toMatchObject({ variable: 'concurrency', mode: 'adaptive', start: 2 });
    expect(capacity([...url, ...slo, '--confirm', '12']).confirm).toBe(12);
  });

  it.each([
    [
      ['--request-rate', '5'],
      /--request-rate does not apply to servebench capacity: --search request-rate sweeps/,
    ],
    [['--max-concurrency', '8'], /--max-concurrency does not apply to servebench capacity: .*--search/],
    [['--concurrency', '8'], /--concurrency does not apply .*--search concurrency/],
    [['--num-prompts', '100'], /--num-prompts does not apply .*sizes every probe/],
    [['--duration', '10'], /--duration does not apply/],
    [['--ramp-up-strategy', 'linear'], /--ramp-up-strategy does not apply/],
    [['--save-detailed'], /--save-detailed does not apply/],
    [['--append-result'], /--append-result does not apply/],
    [['--search', 'concurrency', '--burstiness', '2'], /--search concurrency and --burstiness contradict/],
    [['--search', 'concurrency', '--start', '2.5'], /--start 2\.5 is not one/],
    [['--arrival', 'constant', '--burstiness', '2'], /--arrival and --burstiness contradict/],
    [['--start', '50', '--max-load', '20'], /--start 50 and --max-load 20 contradict/],
    [
      ['--min-requests', '500', '--max-requests', '100'],
      /--min-requests 500 and --max-requests 100 contradict/,
    ],
    [['--confirm', '5', '--mode', 'adaptive'], /--confirm and --mode contradict/],
  ])('%j is rejected, naming the flags', (args, message) => {
    expect(() => capacity([...url, ...slo, ...args])).toThrow(message);
  });

  it('needs an objective; --slo-attainment needs --goodput', () => {
    expect(() => capacity(url)).toThrow(/needs an SLO: give --goodput, --slo-percentile or --max-error-rate/);
    expect(() => capacity([...url, '--max-error-rate', '0.1', '--slo-attainment', '0.9'])).toThrow(
      /--slo-attainment needs --goodput/,
    );
    expect(capacity([...url, '--max-error-rate', '0']).slo).toMatchObject({ maxErrorRate: 0 });
  });

  it.each([
    [
      ['--slo-percentile', 'p98_ttft:200'],
      /expected pNN_METRIC:MS with pNN one of p50, p75, p90, p95, p99, p99\.9/,
    ],
    [['--slo-percentile', 'p99_itl:200'], /METRIC one of ttft, tpot, e2el/],
    [['--slo-percentile', 'p99_ttft:0'], /expected a limit in ms > 0 in 'p99_ttft:0'/],
    [['--slo-percentile', 'ttft:200'], /got 'ttft:200'/],
    [
      ['--slo-attainment', '1.5'],
      /--slo-attainment <share>' argument '1\.5' is invalid\. expected a number in \(0, 1\)/,
    ],
    [['--max-error-rate', '1'], /expected a number in \[0, 1\)/],
    [['--precision', '0'], /--precision <share>' argument '0' is invalid/],
    [
      ['--search', 'rate'],
      /--search <variable>' argument 'rate' is invalid\. Allowed choices are request-rate, concurrency/,
    ],
    [['--slo-latency', 'sent-at'], /Allowed choices are queued, sent/],
  ])('bad value %j names the flag and what it takes', (args, message) => {
    expect(() => capacity([...url, ...slo, ...args])).toThrow(message);
  });
});

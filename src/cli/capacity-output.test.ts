import { describe, expect, it } from 'vitest';
import type { CapacityProbe, CapacityResult } from '../capacity/result.ts';
import { answerLine, formatLoad, hasAnswer, probeLine, probesTable } from './capacity-output.ts';

const attainment = (measured: number, ci: [number, number], verdict: 'pass' | 'fail') => ({
  objective: 'attainment',
  target: 0.95,
  measured,
  ci,
  judgedAgainst: 0.95,
  verdict,
});

const probe = (index: number, load: number, verdict: CapacityProbe['verdict'], a = 0.99): CapacityProbe => ({
  index,
  load,
  phase: index === 1 ? 'saturate' : 'refine',
  extensions: 0,
  judgedRequests: 120,
  achievedOfferedRate: load * 0.98,
  throughput: Math.min(load, 14.1),
  objectives: [attainment(a, [a - 0.03, Math.min(1, a + 0.01)], verdict === 'pass' ? 'pass' : 'fail')],
  verdict,
  invalidReasons: verdict === 'invalid' ? ['client fell behind its schedule'] : [],
  summary: {},
  rawFile: `r-probe-${index}.jsonl`,
});

const result = (over: Partial<CapacityResult> = {}): CapacityResult => ({
  variable: 'request-rate',
  mode: 'search',
  slo: 'p99 TTFT <= 200 ms; 95 % of requests within TTFT 200 ms, TPOT 50 ms',
  max_passing: 13.2,
  min_failing: 13.9,
  gap: 0.053,
  stop_reason: 'precision',
  knee: 14.1,
  probes: [
    probe(1, 20, 'fail', 0.5),
    probe(2, 10, 'pass'),
    probe(3, 13.2, 'pass'),
    probe(4, 13.9, 'fail', 0.9),
  ],
  ...over,
});

describe('capacity output', () => {
  it('loads: rates to 3 digits (whole from 100), users whole, inf, none', () => {
    expect([13.5625, 0.5, 1024, 99.94].map((n) => formatLoad(n))).toEqual(['13.6', '0.5', '1024', '99.9']);
    expect(formatLoad(12, 'concurrency')).toBe('12');
    expect(formatLoad(Number.POSITIVE_INFINITY)).toBe('inf');
    expect(formatLoad(null)).toBe('-');
  });

  it('the answer line: the bracket, its precision, the probes, the knee', () => {
    expect(answerLine(result())).toBe(
      'Max request rate under SLO (p99 TTFT <= 200 ms; 95 % of requests within TTFT 200 ms, TPOT 50 ms): ' +
        '13.2 req/s, bracket [13.2, 13.9] (5.3 % precision, 4 probes); knee 14.1 req/s',
    );
    expect(answerLine(result({ stop_reason: 'max-probes', knee: null }))).toMatch(
      /\(gap 5\.3 %, 4 probes; probe budget spent before the precision was reached\)$/,
    );
  });

  it('concurrency is counted in users; no failing load is a lower bound; no passing load is no answer', () => {
    const users = result({
      variable: 'concurrency',
      max_passing: 12,
      min_failing: 13,
      gap: 1 / 12,
      knee: null,
    });
    expect(answerLine(users)).toMatch(/^Max concurrency under SLO \(.*\): 12 users, bracket \[12, 13\]/);
    const bound = result({ min_failing: null, gap: null, stop_reason: 'max-load', knee: null });
    expect(answerLine(bound)).toMatch(
      /: at least 13\.2 req\/s, no load tried failed \(4 probes; the SLO still held at the highest load allowed\)$/,
    );
    expect(hasAnswer(bound)).toBe(true);
    const none = result({
      max_passing: null,
      min_failing: 0.5,
      gap: null,
      stop_reason: 'min-load',
      knee: null,
    });
    expect(answerLine(none)).toMatch(/^No request rate meets the SLO \(.*\): fails down to 10 req\/s/);
    expect(hasAnswer(none)).toBe(false);
  });

  it('every probe invalid is no answer, whatever the bounds say', () => {
    const invalid = result({ probes: [probe(1, 20, 'invalid'), probe(2, 10, 'invalid')] });
    expect(answerLine(invalid)).toMatch(/^No answer \(.*\): every probe was invalid \(2 probes\)/);
    expect(hasAnswer(invalid)).toBe(false);
  });

  it('a confirmation says whether the load holds', () => {
    const held = result({ mode: 'confirm', stop_reason: 'confirmed', probes: [probe(1, 12, 'pass')] });
    expect(answerLine(held)).toMatch(/^Request rate 12 req\/s meets the SLO \(.*\) \(1 probe\)$/);
    expect(hasAnswer(held)).toBe(true);
    const failed = result({ mode: 'confirm', stop_reason: 'not-confirmed', probes: [probe(1, 12, 'fail')] });
    expect(answerLine(failed)).toMatch(/does not meet the SLO/);
    expect(hasAnswer(failed)).toBe(false);
  });

  it('the probe line: index, phase, load, verdict, each objective with its interval', () => {
    expect(probeLine(probe(3, 13.2, 'pass'), 'request-rate')).toBe(
      'probe 3 (refine): 13.2 req/s -> pass; attainment 99 % [96, 100] (120 requests judged)',
    );
    expect(probeLine(probe(2, 10, 'invalid'), 'request-rate')).toMatch(
      /-> invalid; invalid: client fell behind its schedule/,
    );
    const p99 = {
      ...probe(5, 8, 'pass'),
      objectives: [
        {
          objective: 'p99_queued_ttft_ms',
          target: 200,
          measured: 150.25,
          ci: [0.985, 0.999] as [number, number],
          judgedAgainst: 0.99,
          verdict: 'pass' as const,
        },
      ],
    };
    expect(probeLine(p99, 'concurrency')).toMatch(
      /8 users -> pass; p99_queued_ttft 150\.3 ms \(98\.5-99\.9 % within\)/,
    );
  });

  it('the probes table: one row per load run, aligned columns', () => {
    const lines = probesTable(result()).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(
      /^#\s+phase\s+load req\/s\s+judged\s+offered req\/s\s+done req\/s\s+attainment\s+verdict$/,
    );
    expect(lines[1]).toMatch(/^1\s+saturate\s+20\s+120\s+19\.6\s+14\.1\s+50 % \[47, 51\]\s+fail$/);
    expect(lines[3]).toMatch(/^3\s+refine\s+13\.2\s+120\s+12\.9\s+13\.2\s+99 % \[96, 100\]\s+pass$/);
    // Aligned: every row's verdict starts where the header's does.
    const at = lines[0]?.indexOf('verdict');
    for (const l of lines.slice(1)) expect(l.search(/(pass|fail)$/)).toBe(at);
  });
});

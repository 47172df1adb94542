import { describe, expect, it } from 'vitest';
import {
  decimalsFor,
  fixed,
  formatChange,
  formatDuration,
  formatMetric,
  formatTick,
  metricLabel,
  metricUnit,
  tickUnitFor,
} from './format.ts';

describe('format', () => {
  it('groups thousands, fixes decimals and never prints -0', () => {
    expect(fixed(6912.44, 1)).toBe('6,912.4');
    expect(fixed(-0.01, 1)).toBe('0.0');
    expect(fixed(Number.NaN, 1)).toBe('NaN');
  });

  it('formats summary keys in their units', () => {
    expect(metricUnit('p99_ttft_ms')).toBe('ms');
    expect(metricUnit('request_throughput')).toBe('req/s');
    expect(metricUnit('output_throughput')).toBe('tok/s');
    expect(formatMetric('p99_ttft_ms', 87.25)).toBe('87.3');
    expect(formatMetric('request_goodput', 9.8512)).toBe('9.85');
    expect(formatMetric('output_throughput', 1268.48)).toBe('1,268.5');
    expect(formatMetric('completed', 500)).toBe('500');
  });

  it('names metrics the way people say them', () => {
    expect(metricLabel('p99_ttft_ms')).toBe('p99 TTFT');
    expect(metricLabel('p99.9_e2el_ms')).toBe('p99.9 E2EL');
    expect(metricLabel('median_queued_ttft_ms')).toBe('median queued TTFT');
    expect(metricLabel('request_goodput')).toBe('goodput');
    expect(metricLabel('some_new_key')).toBe('some new key');
  });

  it('signs changes, except one that rounds to zero', () => {
    expect(formatChange(0.2334)).toBe('+23.3%');
    expect(formatChange(-0.12)).toBe('-12.0%');
    expect(formatChange(0.00001)).toBe('0.0%');
  });

  it('labels ticks compactly with the decimals their step needs', () => {
    expect(decimalsFor(0.25)).toBe(2);
    expect(decimalsFor(5)).toBe(0);
    expect(formatTick(0.5, 0.1)).toBe('0.5');
    expect(formatTick(12000, 2000, tickUnitFor(12000))).toBe('12k');
    expect(formatTick(2500, 500, tickUnitFor(12000))).toBe('2.5k');
    expect(formatTick(5000, 5000, tickUnitFor(5000, true))).toBe('5k');
    expect(formatTick(5000, 1000, tickUnitFor(5000))).toBe('5,000');
  });

  it('says how long a run took', () => {
    expect(formatDuration('2025-06-02T09:00:00Z', '2025-06-02T09:07:42Z')).toBe('7 min 42 s');
    expect(formatDuration('2025-06-02T09:00:00Z', '2025-06-02T11:05:00Z')).toBe('2 h 5 min');
    expect(formatDuration('not a date', '2025-06-02T09:00:00Z')).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import type { HostCpu, ServerMetrics } from '../telemetry/schema.ts';
import { diagnose } from './diagnosis.ts';
import { renderDiagnosisTable } from './diagnosis-table.ts';
import { renderMarkdown } from './markdown.ts';
import { sampleResults } from './sample-results.ts';
import { type ResultsFile, resultsFileSchema } from './schema.ts';
import { renderHostCpuTable } from './telemetry-table.ts';

const saturated: ServerMetrics = {
  source: 'prometheus',
  endpoint: 'http://127.0.0.1:8000/metrics',
  engine: 'vllm',
  available: true,
  intervalMs: 1000,
  windowS: 12.5,
  scrapes: 14,
  failedScrapes: 0,
  counters: { preemptions: { increase: 3, source: 'vllm:num_preemptions_total' } },
  gauges: {
    requestsRunning: { mean: 40, max: 48, samples: 12, source: 'vllm:num_requests_running' },
    requestsWaiting: { mean: 12.5, max: 30, samples: 12, source: 'vllm:num_requests_waiting' },
    kvCacheUsage: { mean: 0.9, max: 1, samples: 12, source: 'vllm:kv_cache_usage_perc' },
  },
  histograms: {},
  crossChecks: [],
  warnings: [],
  rawFile: null,
};

const idle: ServerMetrics = {
  ...saturated,
  counters: { preemptions: { increase: 0, source: 'vllm:num_preemptions_total' } },
  gauges: {
    requestsWaiting: { mean: 0, max: 0, samples: 12, source: 'vllm:num_requests_waiting' },
    kvCacheUsage: { mean: 0.05, max: 0.1, samples: 12, source: 'vllm:kv_cache_usage_perc' },
  },
};

const hostCpu: HostCpu = {
  source: '/proc/stat',
  available: true,
  intervalMs: 500,
  durationS: 12.5,
  samples: 25,
  cores: 16,
  busyPct: { mean: 23.45, max: 61.2 },
  maxCoreBusyPct: 100,
  processCpuPct: { mean: 35.5, max: 98.1 },
};

/** The sample results with the first point saturated, the second idle and off Linux. */
function results(): ResultsFile {
  const r = resultsFileSchema.parse(sampleResults());
  const [first, second] = r.points;
  if (!first || !second) throw new Error('sample has fewer than 2 points');
  first.serverMetrics = saturated;
  first.hostCpu = hostCpu;
  second.serverMetrics = idle;
  second.hostCpu = {
    ...hostCpu,
    available: false,
    reason: 'host CPU utilisation is read from /proc/stat, which only Linux has (this host: darwin)',
    samples: 0,
    cores: 0,
    busyPct: null,
    maxCoreBusyPct: null,
    processCpuPct: null,
  };
  // The diagnosis of the first point as runLoad records it; the others are judged when rendered.
  first.diagnosis = diagnose(first);
  return resultsFileSchema.parse(r);
}

describe('renderDiagnosisTable', () => {
  it('answers first, then a row per verdict with its figures and what to try', () => {
    const points = results().points;
    const text = renderDiagnosisTable(points);
    const lines = text.split('\n');
    const [first, second] = points;
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\*\\*Bottleneck:\\*\\* \\*\\*KV-cache bound\\*\\* at 1 of ${points.length} points \\(${first?.test}\\); \\*\\*queueing\\*\\* at 1 of`,
      ),
    );
    expect(lines).toContain('| test | verdict | evidence | what to try |');
    const kv = lines.find((l) => l.includes('**KV-cache bound** |'));
    expect(kv).toContain('KV cache 100.0 % full at most (≥ 95 %), 90.0 % on average; 3 preemptions');
    expect(kv).toContain('--gpu-memory-utilization');
    const queue = lines.find((l) => l.includes('**queueing** |'));
    expect(queue).toContain('12.5 requests waiting on average (≥ 1), 30 at most');
    expect(queue).toContain('more KV-cache memory first');
    const clear = lines.find((l) => l.startsWith(`| ${second?.test} |`));
    expect(clear).toContain('| no bottleneck found |');
    expect(clear).toContain('not KV-cache bound: KV cache 10.0 % full at most (\\< 95 %)');
    // Missing evidence is said, once per reason.
    expect(text).toContain(
      '- under-utilised GPU: not judged: no GPU telemetry (simulated server) (every point)',
    );
    expect(text).toMatch(
      /- CPU-bound host: not judged: no host CPU samples: host CPU utilisation is read from \/proc\/stat/,
    );
  });

  it('is in the experiment section of the report, before the evidence tables', () => {
    const { markdown } = renderMarkdown(results());
    expect(markdown).toContain('**Bottleneck:**');
    expect(markdown.indexOf('**Bottleneck:**')).toBeLessThan(markdown.indexOf('**Host CPU**'));
    expect(markdown.indexOf('**Bottleneck:**')).toBeLessThan(markdown.indexOf('**Server metrics**'));
  });
});

describe('renderHostCpuTable', () => {
  it('is empty when no point sampled the host', () => {
    expect(renderHostCpuTable(resultsFileSchema.parse(sampleResults()).points)).toBe('');
  });

  it('shows mean / max busy, the busiest core and the load client, and why a point has none', () => {
    const points = results().points;
    const lines = renderHostCpuTable(points).split('\n');
    expect(lines[0]).toBe('**Host CPU** (/proc/stat every 500 ms while the load ran; mean / max):');
    expect(lines).toContain(`| ${points[0]?.test} | 23.5 / 61.2 | 100.0 | 35.5 / 98.1 | 16 | 25 |`);
    expect(lines).toContain(
      `- **${points[1]?.test}**: not available: host CPU utilisation is read from /proc/stat, which only Linux has (this host: darwin)`,
    );
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { postJson } from '../../../test/helpers/sim/http.ts';
import { latency, loadSim } from '../../../test/helpers/sim/load.ts';
import { type SimProcess, startSim } from '../process.ts';

const started: SimProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});
async function sim(args: string[]): Promise<SimProcess> {
  const s = await startSim(['--gpu', 'RTX-4090', '--max-model-len', '2048', ...args]);
  started.push(s);
  return s;
}

const streamBody = { prompt: 'fault please', max_tokens: 20, ignore_eos: true, stream: true };

/** Reads a stream event by event, noting when each arrived; resolves with what came before the end or an error. */
async function readStream(url: string): Promise<{ events: string[]; times: number[]; error?: string }> {
  const events: string[] = [];
  const times: number[] = [];
  try {
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(streamBody),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf('\n\n');
      while (cut >= 0) {
        events.push(buffer.slice(0, cut).replace(/^data: /, ''));
        times.push(performance.now());
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf('\n\n');
      }
    }
    return { events, times };
  } catch (e) {
    return { events, times, error: String((e as Error).cause ?? e) };
  }
}

describe('fault injection', () => {
  it('crashes after N requests', async () => {
    const s = await sim(['--fault-crash-after', '2']);
    for (let i = 0; i < 2; i++)
      expect((await postJson(`${s.url}/v1/completions`, { prompt: 'a', max_tokens: 2 })).status).toBe(200);
    await expect(postJson(`${s.url}/v1/completions`, { prompt: 'a', max_tokens: 2 })).rejects.toThrow();
    expect(await s.exited).toBe(70);
    expect(s.output()).toContain('injected crash');
  });

  it('stalls a stream for the configured time', async () => {
    const s = await sim([
      '--fault-stall-rate',
      '1',
      '--fault-stall-ms',
      '600',
      '--fault-stall-after-tokens',
      '3',
    ]);
    const { events, times } = await readStream(s.url);
    expect(events.at(-1)).toBe('[DONE]');
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.max(...gaps)).toBeGreaterThan(550);
    expect(gaps.indexOf(Math.max(...gaps))).toBe(2);
  });

  it('starts slowly: nothing listens until the load time has passed', async () => {
    const t0 = performance.now();
    const s = await sim(['--fault-slow-start-ms', '700']);
    expect(performance.now() - t0).toBeGreaterThan(650);
    expect(s.output()).toContain('loading');
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('answers configured shares with 5xx and 429', async () => {
    const errors = await sim(['--fault-error-rate', '1', '--fault-error-status', '503']);
    const r = await postJson(`${errors.url}/v1/completions`, { prompt: 'a', max_tokens: 2 });
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe(503);
    const limited = await sim(['--fault-429-rate', '0.5', '--seed', '3']);
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        postJson(`${limited.url}/v1/completions`, { prompt: 'a', max_tokens: 1 }).then((x) => x.status),
      ),
    );
    const n429 = statuses.filter((x) => x === 429).length;
    expect(n429).toBeGreaterThan(8);
    expect(n429).toBeLessThan(32);
    expect(statuses.filter((x) => x !== 429).every((x) => x === 200)).toBe(true);
  });

  it('sends a malformed SSE event', async () => {
    const s = await sim(['--fault-malformed-sse-rate', '1']);
    const { events } = await readStream(s.url);
    const broken = events.filter((e) => {
      if (e === '[DONE]') return false;
      try {
        JSON.parse(e);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toHaveLength(1);
    expect(events.at(-1)).toBe('[DONE]');
  });

  it('drops the connection mid-stream', async () => {
    const s = await sim(['--fault-drop-rate', '1', '--fault-drop-after-tokens', '4']);
    const { events, error } = await readStream(s.url);
    expect(error).toBeDefined();
    expect(events).not.toContain('[DONE]');
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(4);
    // The server itself survives.
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('slows every step by --fault-slowdown: F=1.2 raises measured TPOT by ~20%', async () => {
    // A 7B model's ~17 ms steps: timer jitter of a busy 2-core host is small beside them.
    const model = 'Qwen/Qwen2.5-7B-Instruct';
    const tpot = async (args: string[]) => {
      const s = await sim(['--model', model, ...args]);
      const { summary } = await loadSim({
        baseUrl: s.url,
        model,
        arrival: { kind: 'concurrency', concurrency: 2 },
        requests: 8,
        dataset: { name: 'random', input_len: 64, output_len: 32 },
        ignoreEos: true,
        maxLatenessP99Ms: 1000,
      });
      expect(summary.completed).toBe(8);
      return latency(summary, 'median', 'tpot');
    };
    const ratio = (await tpot(['--fault-slowdown', '1.2'])) / (await tpot([]));
    expect(ratio).toBeGreaterThan(1.14);
    expect(ratio).toBeLessThan(1.26);
  });
});

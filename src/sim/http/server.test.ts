import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, jsonOf, metricValue, postJson, postStream } from '../../../test/helpers/sim/http.ts';
import { type SimProcess, startSim } from '../process.ts';

const MODEL = 'Qwen/Qwen2.5-1.5B-Instruct';
let sim: SimProcess;
let url: string;

beforeAll(async () => {
  sim = await startSim(['--model', MODEL, '--gpu', 'RTX-4090', '--max-model-len', '2048', '--seed', '7']);
  url = sim.url;
});
afterAll(async () => {
  await sim?.stop();
});

async function tokenize(body: unknown): Promise<number> {
  const r = await postJson(`${url}/tokenize`, body);
  expect(r.status).toBe(200);
  return r.json.count as number;
}

describe('simulator HTTP surface', () => {
  it('labels every answer as simulated', async () => {
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-servebench-simulated')).toBe('1');
    const version = await getJson(`${url}/version`);
    expect(version.simulated).toBe(true);
    expect(version.version).toContain('servebench-sim');
    expect(version.simulator.gpu).toContain('4090');
  });

  it('lists the model like vLLM, owned by servebench-sim', async () => {
    const body = await getJson(`${url}/v1/models`);
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      id: MODEL,
      object: 'model',
      owned_by: 'servebench-sim',
      max_model_len: 2048,
    });
  });

  it('answers a non-streaming completion with usage consistent with /tokenize', async () => {
    const prompt = 'Explain the theory of relativity in simple terms.';
    const r = await postJson(`${url}/v1/completions`, {
      model: MODEL,
      prompt,
      max_tokens: 40,
      ignore_eos: true,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-servebench-simulated')).toBe('1');
    expect(r.json.object).toBe('text_completion');
    expect(r.json.id).toMatch(/^cmpl-/);
    const choice = r.json.choices[0];
    expect(choice.finish_reason).toBe('length');
    expect(r.json.usage.prompt_tokens).toBe(await tokenize({ model: MODEL, prompt }));
    expect(r.json.usage.completion_tokens).toBe(40);
    expect(r.json.usage.total_tokens).toBe(r.json.usage.prompt_tokens + 40);
    expect(await tokenize({ prompt: choice.text, add_special_tokens: false })).toBe(40);
  });

  it('is deterministic for a prompt and stops at its own EOS without ignore_eos', async () => {
    const body = { prompt: 'Tell me a story about a cat.', max_tokens: 2000 };
    const a = await postJson(`${url}/v1/completions`, body);
    const b = await postJson(`${url}/v1/completions`, body);
    expect(a.json.choices[0].text).toBe(b.json.choices[0].text);
    expect(a.json.choices[0].finish_reason).toBe('stop');
    expect(a.json.usage.completion_tokens).toBeLessThan(2000);
  });

  it('streams completions as SSE with per-token chunks, include_usage and continuous_usage_stats', async () => {
    const prompt = 'Hello there, how are you today?';
    const { status, raw, events } = await postStream(`${url}/v1/completions`, {
      prompt,
      max_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    expect(status).toBe(200);
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(events.every((e) => !e.startsWith('!'))).toBe(true);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const content = chunks.filter((c) => c.choices.length > 0);
    expect(content).toHaveLength(12);
    const promptTokens = await tokenize({ prompt });
    content.forEach((c, i) => {
      expect(c.object).toBe('text_completion');
      expect(c.usage).toEqual({
        prompt_tokens: promptTokens,
        completion_tokens: i + 1,
        total_tokens: promptTokens + i + 1,
      });
      expect(c.choices[0].finish_reason).toBe(i === 11 ? 'length' : null);
    });
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBe(12);
    const text = content.map((c) => c.choices[0].text).join('');
    expect(await tokenize({ prompt: text, add_special_tokens: false })).toBe(12);
  });

  it('streams chat completions: a role chunk, then content, usage matching /tokenize of the messages', async () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Name three colours.' }] },
    ];
    const { events } = await postStream(`${url}/v1/chat/completions`, {
      model: MODEL,
      messages,
      max_completion_tokens: 5,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].object).toBe('chat.completion.chunk');
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const content = chunks.filter((c) => c.choices[0]?.delta?.content);
    expect(content).toHaveLength(5);
    expect(content.at(-1).choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1).usage).toEqual({
      prompt_tokens: await tokenize({ messages }),
      completion_tokens: 5,
      total_tokens: (await tokenize({ messages })) + 5,
    });
  });

  it('accepts token-ID prompts and counts them exactly', async () => {
    const ids = Array.from({ length: 77 }, (_, i) => 1000 + i);
    const r = await postJson(`${url}/v1/completions`, { prompt: ids, max_tokens: 3, ignore_eos: true });
    expect(r.status).toBe(200);
    expect(r.json.usage.prompt_tokens).toBe(77);
    const one = await postJson(`${url}/v1/completions`, { prompt: [ids], max_tokens: 3 });
    expect(one.json.usage.prompt_tokens).toBe(77);
    const bad = await postJson(`${url}/v1/completions`, { prompt: [1, 999_999_999], max_tokens: 3 });
    expect(bad.status).toBe(400);
  });

  it('answers bad requests with OpenAI-style errors and the right status', async () => {
    const badField = await postJson(`${url}/v1/completions`, { prompt: 'x', max_tokens: -1 });
    expect(badField.status).toBe(400);
    expect(badField.json.error).toMatchObject({ type: 'BadRequestError', param: 'max_tokens', code: 400 });
    expect(badField.json.error.message).toContain('max_tokens');

    const n2 = await postJson(`${url}/v1/completions`, { prompt: 'x', n: 2 });
    expect(n2.status).toBe(400);
    expect(n2.json.error.param).toBe('n');

    const notJson = await postJson(`${url}/v1/completions`, '{"prompt": ');
    expect(notJson.status).toBe(400);

    const missing = await postJson(`${url}/v1/chat/completions`, { model: MODEL });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe('messages');

    const unknown = await postJson(`${url}/v1/completions`, { model: 'gpt-4', prompt: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ type: 'NotFoundError', param: 'model', code: 404 });

    const tooLong = await postJson(`${url}/v1/completions`, { prompt: Array(2100).fill(7), max_tokens: 1 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.message).toContain('maximum context length is 2048');

    const overBudget = await postJson(`${url}/v1/completions`, { prompt: 'hi', max_tokens: 5000 });
    expect(overBudget.status).toBe(400);
    expect(overBudget.json.error.param).toBe('max_tokens');

    const huge = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x'.repeat(33 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect((await jsonOf(huge)).error.code).toBe(413);

    const route = await fetch(`${url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(route.status).toBe(404);
    expect((await jsonOf(route)).error.code).toBe(404);
    expect((await fetch(`${url}/v1/completions`)).status).toBe(405);
  });

  it('exports vLLM metrics and its own step lateness in Prometheus text', async () => {
    await postJson(`${url}/v1/completions`, { prompt: 'metrics please', max_tokens: 8, ignore_eos: true });
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:time_to_first_token_seconds',
      'vllm:inter_token_latency_seconds',
      'vllm:e2e_request_latency_seconds',
      'vllm:request_queue_time_seconds',
      'vllm:request_prefill_time_seconds',
      'vllm:request_decode_time_seconds',
      'vllm:num_preemptions_total',
      'servebench:sim_step_lateness_seconds',
      'servebench:sim_lost_seconds_total',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    expect(metricValue(text, 'vllm:generation_tokens_total')).toBeGreaterThanOrEqual(8);
    const ttftCount = metricValue(text, 'vllm:time_to_first_token_seconds_count');
    expect(ttftCount).toBeGreaterThan(0);
    expect(metricValue(text, 'vllm:time_to_first_token_seconds_bucket', 'le="+Inf"')).toBe(ttftCount);
    // Histogram buckets are cumulative.
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('servebench:sim_step_lateness_seconds_bucket'))
      .map((l) => Number(l.split(' ')[1]));
    expect(buckets.length).toBeGreaterThan(3);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
    expect(text).toMatch(/servebench:sim_info\{.*simulated="true".*\} 1/);
  });

  it('frees a request whose client goes away mid-stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'long answer', max_tokens: 1500, ignore_eos: true, stream: true }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 100));
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(metricValue(text, 'vllm:num_requests_running')).toBe(0);
    expect(metricValue(text, 'vllm:request_success_total', 'finished_reason="abort"')).toBe(1);
    expect(metricValue(text, 'vllm:kv_cache_usage_perc')).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimProcess, startSim } from '../process.ts';

/** The official `openai` npm client (a dev dependency), unchanged, against the simulator. */
const openaiModule = 'openai';

interface Usage {
  completion_tokens: number;
}
interface ChatChunk {
  choices: { delta?: { content?: string | null } }[];
  usage?: Usage | null;
}
/** The part of the client's surface this test uses. */
interface OpenAIClient {
  models: { list(): Promise<{ data: { id: string; owned_by: string }[] }> };
  completions: { create(body: Record<string, unknown>): Promise<{ usage: Usage }> };
  chat: {
    completions: {
      create(
        body: Record<string, unknown>,
      ): Promise<{ choices: { message: { role: string } }[]; usage: Usage } & AsyncIterable<ChatChunk>>;
    };
  };
}

const MODEL = 'Qwen/Qwen2.5-0.5B-Instruct';
let sim: SimProcess;
let client: OpenAIClient;

describe('official openai client', () => {
  beforeAll(async () => {
    sim = await startSim(['--model', MODEL, '--gpu', 'L4', '--max-model-len', '4096']);
    const { default: OpenAI } = (await import(openaiModule)) as { default: new (o: object) => OpenAIClient };
    client = new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('lists models', async () => {
    const models = await client.models.list();
    expect(models.data[0]).toMatchObject({ id: MODEL, owned_by: 'servebench-sim' });
  });

  it('creates completions and chat completions', async () => {
    const c = await client.completions.create({
      model: MODEL,
      prompt: 'Say hi',
      max_tokens: 8,
      ignore_eos: true,
    });
    expect(c.usage.completion_tokens).toBe(8);
    const chat = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Say hi' }],
      max_tokens: 6,
      ignore_eos: true,
    });
    expect(chat.choices[0]?.message.role).toBe('assistant');
    expect(chat.usage.completion_tokens).toBe(6);
  });

  it('streams chat with usage', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Count' }],
      max_tokens: 10,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: { completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(10);
  });

  it('surfaces errors as the client error classes', async () => {
    await expect(client.completions.create({ model: 'nope', prompt: 'x' })).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 100_000 }),
    ).rejects.toMatchObject({
      status: 400,
    });
  });
});

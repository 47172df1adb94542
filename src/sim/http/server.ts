import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Simulator } from '../simulator.ts';
import { readJson } from './body.ts';
import { ApiError, sendError } from './errors.ts';
import { type GenerationSpec, serveGeneration } from './generation.ts';
import { chatRequestSchema, completionRequestSchema, tokenizeRequestSchema } from './schemas.ts';

export const SIM_VERSION = '0.1.0';

/** Every answer says it is simulated. */
const SIM_HEADERS = { 'x-servebench-simulated': '1', server: `servebench-sim/${SIM_VERSION}` };

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new ApiError(400, `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid request'}`, path || null);
}

function checkModel(sim: Simulator, model: string | null | undefined): void {
  if (model == null) return;
  if (model !== sim.config.servedModelName && model !== sim.config.model.id) {
    throw new ApiError(404, `The model \`${model}\` does not exist.`, 'model');
  }
}

/** vLLM's context-length check and its default max_tokens (whatever room is left). */
function maxTokensFor(sim: Simulator, promptTokens: number, requested: number | null | undefined): number {
  const limit = sim.config.maxModelLen;
  if (promptTokens >= limit) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${limit} tokens. However, your request has ${promptTokens} input tokens. ` +
        'Please reduce the length of the input messages.',
      'messages',
    );
  }
  const maxTokens = requested ?? limit - promptTokens;
  if (promptTokens + maxTokens > limit) {
    throw new ApiError(
      400,
      `This model's maximum context length is ${limit} tokens. However, you requested ${promptTokens + maxTokens} tokens ` +
        `(${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
      'max_tokens',
    );
  }
  return maxTokens;
}

function streamFlags(body: {
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null; continuous_usage_stats?: boolean | null } | null;
}) {
  const stream = body.stream === true;
  if (!stream && body.stream_options)
    throw new ApiError(400, 'stream_options: only allowed when stream is true', 'stream_options');
  return {
    stream,
    includeUsage: stream && body.stream_options?.include_usage === true,
    continuousUsage: stream && body.stream_options?.continuous_usage_stats === true,
  };
}

function completionSpec(sim: Simulator, raw: unknown): GenerationSpec {
  const body = parse(completionRequestSchema, raw);
  checkModel(sim, body.model);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && (typeof prompt[0] === 'string' || Array.isArray(prompt[0])))
    prompt = prompt[0] as string | number[];
  let promptTokens: number;
  if (typeof prompt === 'string') promptTokens = sim.countPrompt(prompt);
  else {
    const ids = prompt as number[];
    const bad = ids.find((t) => t >= sim.config.model.vocabSize);
    if (bad !== undefined) throw new ApiError(400, `Token id ${bad} is out of vocabulary`, 'prompt');
    promptTokens = ids.length;
  }
  return {
    kind: 'completion',
    promptTokens,
    promptHash: sim.hashPrompt(prompt as string | number[]),
    maxTokens: maxTokensFor(sim, promptTokens, body.max_tokens),
    minTokens: body.min_tokens ?? 0,
    ignoreEos: body.ignore_eos === true,
    ...streamFlags(body),
  };
}

function chatSpec(sim: Simulator, raw: unknown): GenerationSpec {
  const body = parse(chatRequestSchema, raw);
  checkModel(sim, body.model);
  const text = sim.renderChat(body.messages);
  const promptTokens = sim.tokenizer.count(text);
  return {
    kind: 'chat',
    promptTokens,
    promptHash: sim.hashPrompt(text),
    maxTokens: maxTokensFor(sim, promptTokens, body.max_completion_tokens ?? body.max_tokens),
    minTokens: body.min_tokens ?? 0,
    ignoreEos: body.ignore_eos === true,
    ...streamFlags(body),
  };
}

async function generate(
  sim: Simulator,
  req: IncomingMessage,
  res: ServerResponse,
  kind: 'completion' | 'chat',
) {
  const raw = await readJson(req);
  const spec = kind === 'chat' ? chatSpec(sim, raw) : completionSpec(sim, raw);
  const { crash, faults } = sim.faults.arrive();
  if (crash) {
    console.error(
      `servebench-sim: injected crash (--fault-crash-after ${sim.config.faults.faultCrashAfter})`,
    );
    process.exit(70);
  }
  if (faults.rejectStatus === 429)
    throw new ApiError(429, 'Too many requests (injected by --fault-429-rate)');
  if (faults.rejectStatus !== undefined) {
    throw new ApiError(faults.rejectStatus, 'Internal server error (injected by --fault-error-rate)');
  }
  serveGeneration(sim, res, spec, faults);
}

async function tokenize(sim: Simulator, req: IncomingMessage, res: ServerResponse) {
  const body = parse(tokenizeRequestSchema, await readJson(req));
  checkModel(sim, body.model);
  let tokens: number[];
  if ('prompt' in body && typeof body.prompt === 'string') {
    tokens =
      body.add_special_tokens === false ? sim.tokenizer.encode(body.prompt) : sim.encodePrompt(body.prompt);
  } else {
    const chat = body as {
      messages: { role: string; content?: string | null }[];
      add_generation_prompt?: boolean | null;
    };
    tokens = sim.tokenizer.encode(sim.renderChat(chat.messages, chat.add_generation_prompt !== false));
  }
  sendJson(res, 200, {
    count: tokens.length,
    max_model_len: sim.config.maxModelLen,
    tokens,
    token_strs: null,
  });
}

function models(sim: Simulator, res: ServerResponse) {
  const created = Math.floor(sim.startedAt / 1000);
  sendJson(res, 200, {
    object: 'list',
    data: [
      {
        id: sim.config.servedModelName,
        object: 'model',
        created,
        owned_by: 'servebench-sim',
        root: sim.config.model.id,
        parent: null,
        max_model_len: sim.config.maxModelLen,
        permission: [],
      },
    ],
  });
}

function version(sim: Simulator, res: ServerResponse) {
  const c = sim.config;
  sendJson(res, 200, {
    version: `${SIM_VERSION}+servebench-sim`,
    simulated: true,
    simulator: {
      name: 'servebench-sim',
      version: SIM_VERSION,
      model: c.model.id,
      gpu: c.hardware.name,
      tensor_parallel_size: c.tensorParallelSize,
      data_parallel_size: c.dataParallelSize,
      max_num_seqs: c.maxNumSeqs,
      max_num_batched_tokens: c.maxNumBatchedTokens,
      max_model_len: c.maxModelLen,
      gpu_memory_utilization: c.gpuMemoryUtilization,
      mps_active_thread_percentage: c.mpsActiveThreadPercentage,
      kv_cache_tokens_per_engine: c.kvBlocksPerEngine * 16,
      seed: c.seed,
    },
  });
}

type Route = (sim: Simulator, req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const routes: Record<string, Record<string, Route>> = {
  '/v1/completions': { POST: (s, q, r) => generate(s, q, r, 'completion') },
  '/v1/chat/completions': { POST: (s, q, r) => generate(s, q, r, 'chat') },
  '/tokenize': { POST: tokenize },
  '/v1/models': { GET: (s, _q, r) => models(s, r) },
  '/version': { GET: (s, _q, r) => version(s, r) },
  '/health': {
    GET: (_s, _q, r) => {
      r.writeHead(200, { 'content-length': 0 });
      r.end();
    },
  },
  '/ping': { GET: (_s, _q, r) => sendJson(r, 200, {}) },
  '/metrics': {
    GET: (s, _q, r) => {
      const body = s.metrics.render();
      r.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      r.end(body);
    },
  },
};

export function createSimServer(sim: Simulator): Server {
  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
    for (const [k, v] of Object.entries(SIM_HEADERS)) res.setHeader(k, v);
    const path = (req.url ?? '/').split('?')[0] as string;
    const methods = routes[path];
    const route = methods?.[req.method ?? 'GET'];
    const fail = (e: unknown): void => {
      if (e instanceof ApiError) sendError(res, e);
      else {
        console.error('servebench-sim: unexpected error', e);
        sendError(res, new ApiError(500, `internal error: ${(e as Error).message}`));
      }
    };
    if (!methods) return fail(new ApiError(404, `Not Found: ${req.method} ${path}`));
    if (!route) return fail(new ApiError(405, `Method Not Allowed: ${req.method} ${path}`));
    try {
      const result = route(sim, req, res);
      if (result) result.catch(fail);
    } catch (e) {
      fail(e);
    }
  });
  return server;
}

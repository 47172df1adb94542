import type { ServerResponse } from 'node:http';
import type { FinishReason, SequenceSink } from '../engine/sequence.ts';
import type { RequestFaults } from '../faults/faults.ts';
import type { Simulator, Submission } from '../simulator.ts';
import { ChunkFormat, type Usage, usageOf } from './sse.ts';

export interface GenerationSpec {
  readonly kind: 'completion' | 'chat';
  readonly promptTokens: number;
  readonly promptHash: number;
  readonly maxTokens: number;
  readonly minTokens: number;
  readonly ignoreEos: boolean;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly continuousUsage: boolean;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** Runs one generation request through the engines and answers it, streaming or not. */
export function serveGeneration(
  sim: Simulator,
  res: ServerResponse,
  spec: GenerationSpec,
  faults: RequestFaults,
): void {
  const id = `${spec.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${sim.nextId()}`;
  const created = Math.floor(Date.now() / 1000);
  const sink = spec.stream
    ? new StreamingSink(
        sim,
        res,
        spec,
        faults,
        new ChunkFormat(spec.kind, id, created, sim.config.servedModelName),
      )
    : new JsonSink(sim, res, spec, faults, id, created);
  const submission = sim.submit(spec, sink);
  sink.attach(submission);
  res.on('close', () => {
    if (!sink.done) submission.cancel();
  });
}

abstract class ResponseSink implements SequenceSink {
  done = false;
  protected submission: Submission | undefined;
  protected readonly sim: Simulator;
  protected readonly res: ServerResponse;
  protected readonly spec: GenerationSpec;
  protected readonly faults: RequestFaults;

  constructor(sim: Simulator, res: ServerResponse, spec: GenerationSpec, faults: RequestFaults) {
    this.sim = sim;
    this.res = res;
    this.spec = spec;
    this.faults = faults;
  }

  attach(submission: Submission): void {
    this.submission = submission;
  }

  /** Fault: cut the connection as a crashing proxy or engine would. */
  protected drop(): void {
    this.done = true;
    this.submission?.cancel();
    this.res.destroy();
  }

  abstract onTokens(from: number, count: number, now: number): void;
  abstract onFinish(reason: FinishReason, now: number): void;
}

class StreamingSink extends ResponseSink {
  readonly #format: ChunkFormat;
  #sent = 0;
  #buffer: string[] | null = null;
  #stalled = false;
  #endAfterStall = false;

  constructor(
    sim: Simulator,
    res: ServerResponse,
    spec: GenerationSpec,
    faults: RequestFaults,
    format: ChunkFormat,
  ) {
    super(sim, res, spec, faults);
    this.#format = format;
    // Headers go out at once, as vLLM's StreamingResponse does; tokens follow as they exist.
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
  }

  #write(text: string): void {
    if (this.#buffer) this.#buffer.push(text);
    else this.res.write(text);
  }

  #usage(): Usage | null {
    return this.spec.continuousUsage ? usageOf(this.spec.promptTokens, this.#sent) : null;
  }

  onTokens(from: number, count: number): void {
    if (this.done) return;
    const seq = this.submission?.seq;
    const last = seq !== undefined && from + count >= seq.outputTokens;
    if (this.#sent === 0 && this.spec.kind === 'chat')
      this.#write(this.#format.role(this.spec.continuousUsage ? usageOf(this.spec.promptTokens, 0) : null));
    this.#sent += count;
    const text = this.sim.text.text(this.spec.promptHash, from, count);
    this.#write(this.#format.token(text, last ? (seq?.finishReason ?? null) : null, this.#usage()));
    const f = this.faults;
    if (f.malformed && this.#sent === count) this.#write(this.#format.malformed());
    if (f.dropAfterTokens !== undefined && this.#sent >= f.dropAfterTokens) {
      this.drop();
      return;
    }
    if (f.stall && !this.#stalled && this.#sent >= f.stall.afterTokens) {
      this.#stalled = true;
      this.#buffer = [];
      setTimeout(() => {
        const pending = this.#buffer ?? [];
        this.#buffer = null;
        if (this.res.destroyed) return;
        for (const text of pending) this.res.write(text);
        if (this.#endAfterStall) this.res.end();
      }, f.stall.ms);
    }
  }

  onFinish(): void {
    if (this.done) return;
    this.done = true;
    if (this.spec.includeUsage) this.#write(this.#format.usage(usageOf(this.spec.promptTokens, this.#sent)));
    this.#write(ChunkFormat.done);
    if (this.#buffer) this.#endAfterStall = true;
    else this.res.end();
  }
}

class JsonSink extends ResponseSink {
  readonly #id: string;
  readonly #created: number;
  #generated = 0;

  constructor(
    sim: Simulator,
    res: ServerResponse,
    spec: GenerationSpec,
    faults: RequestFaults,
    id: string,
    created: number,
  ) {
    super(sim, res, spec, faults);
    this.#id = id;
    this.#created = created;
  }

  onTokens(_from: number, count: number): void {
    if (this.done) return;
    this.#generated += count;
    if (this.faults.dropAfterTokens !== undefined && this.#generated >= this.faults.dropAfterTokens)
      this.drop();
  }

  onFinish(reason: FinishReason): void {
    if (this.done) return;
    this.done = true;
    const text = this.sim.text.text(this.spec.promptHash, 0, this.#generated);
    const usage = { ...usageOf(this.spec.promptTokens, this.#generated), prompt_tokens_details: null };
    const choice =
      this.spec.kind === 'chat'
        ? {
            index: 0,
            message: { role: 'assistant', content: text, tool_calls: [] },
            logprobs: null,
            finish_reason: reason,
            stop_reason: null,
          }
        : { index: 0, text, logprobs: null, finish_reason: reason, stop_reason: null, prompt_logprobs: null };
    let body = JSON.stringify({
      id: this.#id,
      object: this.spec.kind === 'chat' ? 'chat.completion' : 'text_completion',
      created: this.#created,
      model: this.sim.config.servedModelName,
      choices: [choice],
      usage,
    });
    if (this.faults.malformed) body = body.slice(0, Math.floor(body.length / 2));
    const send = (): void => {
      if (this.res.destroyed) return;
      this.res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      this.res.end(body);
    };
    if (this.faults.stall) setTimeout(send, this.faults.stall.ms);
    else send();
  }
}

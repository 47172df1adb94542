export type FinishReason = 'stop' | 'length' | 'abort';

/** Receives a sequence's progress; the HTTP layer turns it into SSE chunks. */
export interface SequenceSink {
  /** `count` new output tokens (indices `from` .. `from + count - 1`) exist at time `now` (s). */
  onTokens(from: number, count: number, now: number): void;
  onFinish(reason: FinishReason, now: number): void;
}

export interface SequenceInit {
  readonly id: string;
  readonly promptTokens: number;
  /** Output tokens the request will produce: its EOS position or max_tokens, whichever first. */
  readonly outputTokens: number;
  /** Finish reason once outputTokens are generated. */
  readonly finishReason: 'stop' | 'length';
  readonly sink: SequenceSink;
}

/** One request inside an engine: vLLM's Request, reduced to what scheduling needs. */
export class Sequence {
  readonly id: string;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly finishReason: 'stop' | 'length';
  readonly sink: SequenceSink;
  /** Tokens whose KV is in the cache (prompt prefix, then generated tokens). */
  computed = 0;
  generated = 0;
  /** KV blocks held. */
  blocks = 0;
  preemptions = 0;
  /** Index of the data-parallel engine serving it. */
  engine = 0;
  state: 'waiting' | 'running' | 'finished' = 'waiting';
  /** Times on the engine's clock, s: received by the front end, queued in the engine, ... */
  receivedAt = -1;
  arrivedAt = 0;
  firstScheduledAt = -1;
  firstTokenAt = -1;
  lastTokenAt = -1;
  finishedAt = -1;

  constructor(init: SequenceInit) {
    this.id = init.id;
    this.promptTokens = init.promptTokens;
    this.outputTokens = init.outputTokens;
    this.finishReason = init.finishReason;
    this.sink = init.sink;
  }

  /** Prompt plus generated tokens: everything whose KV must exist before the next sample. */
  get tokens(): number {
    return this.promptTokens + this.generated;
  }
}

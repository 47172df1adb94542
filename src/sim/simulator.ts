import type { SimConfig } from './config.ts';
import { type Clock, RealtimeClock } from './engine/clock.ts';
import { type Cluster, createCluster } from './engine/cluster.ts';
import { type FinishReason, Sequence, type SequenceSink } from './engine/sequence.ts';
import { FaultPlan } from './faults/faults.ts';
import { SimMetrics } from './metrics/sim-metrics.ts';
import { defaultTuning, type PerfTuning } from './perf/tuning.ts';
import { type ChatMessage, renderChat } from './text/chat-template.ts';
import { TextGenerator } from './text/generator.ts';
import { hashString } from './text/hash.ts';
import { Tokenizer } from './text/tokenizer.ts';

export interface GenerationRequest {
  readonly promptTokens: number;
  readonly promptHash: number;
  readonly maxTokens: number;
  readonly minTokens: number;
  readonly ignoreEos: boolean;
}

/** A request handed to the engines; `cancel` frees its place (client went away). */
export interface Submission {
  readonly seq: Sequence;
  cancel(): void;
}

/**
 * The simulated deployment behind the HTTP surface: engines on a real-time clock, the tokenizer
 * and text generator, metrics and fault draws.
 */
export class Simulator {
  readonly config: SimConfig;
  readonly clock: Clock;
  readonly cluster: Cluster;
  readonly metrics: SimMetrics;
  readonly tokenizer: Tokenizer;
  readonly text: TextGenerator;
  readonly faults: FaultPlan;
  readonly tuning: PerfTuning;
  readonly startedAt = Date.now();
  #ids = 0;

  constructor(config: SimConfig, clock: Clock = new RealtimeClock(), tuning: PerfTuning = defaultTuning) {
    this.config = config;
    this.clock = clock;
    this.tuning = tuning;
    this.tokenizer = new Tokenizer(config.model.vocabSize);
    this.text = new TextGenerator(config.seed);
    this.faults = new FaultPlan(config.faults, config.seed);
    this.metrics = new SimMetrics(config.servedModelName, () => this.cluster.engines, {
      gpu: config.hardware.id,
      tensor_parallel_size: String(config.tensorParallelSize),
      data_parallel_size: String(config.dataParallelSize),
      mps_active_thread_percentage: String(config.mpsActiveThreadPercentage),
    });
    this.cluster = createCluster(
      {
        hardware: config.hardware,
        model: config.model,
        tensorParallelSize: config.tensorParallelSize,
        dataParallelSize: config.dataParallelSize,
        maxNumSeqs: config.maxNumSeqs,
        maxNumBatchedTokens: config.maxNumBatchedTokens,
        gpuMemoryUtilization: config.gpuMemoryUtilization,
        mpsActiveThreadPercentage: config.mpsActiveThreadPercentage,
        tuning,
        slowdown: config.faults.faultSlowdown,
      },
      clock,
      this.metrics,
    );
  }

  /** BOS the tokenizer adds to completion prompts (Llama 3 does, Qwen2.5 does not). */
  get bosTokens(): number {
    return this.config.model.chatTemplate === 'llama3' ? 1 : 0;
  }

  encodePrompt(text: string): number[] {
    const ids = this.tokenizer.encode(text);
    return this.bosTokens > 0 ? [this.tokenizer.idOf('<|begin_of_text|>'), ...ids] : ids;
  }

  countPrompt(text: string): number {
    return this.tokenizer.count(text) + this.bosTokens;
  }

  renderChat(messages: readonly ChatMessage[], addGenerationPrompt = true): string {
    return renderChat(this.config.model.chatTemplate, messages, addGenerationPrompt);
  }

  hashPrompt(prompt: string | readonly number[]): number {
    return hashString(typeof prompt === 'string' ? prompt : prompt.join(','));
  }

  nextId(): string {
    return `${(this.startedAt % 1e9).toString(36)}${(this.#ids++).toString(36)}`;
  }

  /** Output length and finish reason for a request (EOS position unless ignore_eos). */
  plan(r: GenerationRequest): { outputTokens: number; finishReason: 'stop' | 'length' } {
    if (r.ignoreEos) return { outputTokens: r.maxTokens, finishReason: 'length' };
    const natural = Math.max(r.minTokens, this.text.naturalLength(r.promptHash));
    return natural >= r.maxTokens
      ? { outputTokens: r.maxTokens, finishReason: 'length' }
      : { outputTokens: natural, finishReason: 'stop' };
  }

  /** Queues a request: it reaches an engine after the modelled front-end latency. */
  submit(r: GenerationRequest, sink: SequenceSink): Submission {
    const { outputTokens, finishReason } = this.plan(r);
    const seq = new Sequence({
      id: this.nextId(),
      promptTokens: r.promptTokens,
      outputTokens,
      finishReason,
      sink,
    });
    seq.receivedAt = this.clock.now();
    let cancelled = false;
    let queued = false;
    this.clock.at(seq.receivedAt + this.tuning.frontendLatency, () => {
      if (cancelled) return;
      queued = true;
      this.cluster.router.pick().add(seq);
    });
    return {
      seq,
      cancel: () => {
        if (cancelled || seq.state === 'finished') return;
        cancelled = true;
        if (queued) this.cluster.engines[seq.engine]?.abort(seq);
        this.metrics.onAborted(seq);
      },
    };
  }
}

export type { FinishReason };

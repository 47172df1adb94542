import type { Engine, EngineObserver, StepReport } from '../engine/engine.ts';
import type { Sequence } from '../engine/sequence.ts';
import { Counter, Gauge, Histogram, type Labels, Registry } from './registry.ts';

// Bucket boundaries as vLLM v1 defines them (vllm/v1/metrics/loggers.py).
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
const REQUEST_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
/** Step lateness is a simulator-health signal: fine buckets around a millisecond. */
const LATENESS_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
const STEP_BUCKETS = [0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1];

/** vLLM's metric families (same names, labels `model_name` and `engine`) plus the simulator's own. */
export class SimMetrics implements EngineObserver {
  readonly registry = new Registry();
  readonly #modelName: string;
  readonly #labels: Labels[];

  readonly promptTokens: Counter;
  readonly generationTokens: Counter;
  readonly preemptions: Counter;
  readonly requestSuccess: Counter;
  readonly ttft: Histogram;
  readonly itl: Histogram;
  readonly tpot: Histogram;
  readonly e2e: Histogram;
  readonly queue: Histogram;
  readonly prefill: Histogram;
  readonly decode: Histogram;
  readonly inference: Histogram;
  readonly requestPromptTokens: Histogram;
  readonly requestGenerationTokens: Histogram;
  readonly iterationTokens: Histogram;
  readonly stepLateness: Histogram;
  readonly stepDuration: Histogram;
  readonly steps: Counter;
  readonly lost: Counter;

  constructor(modelName: string, engines: () => readonly Engine[], info: Record<string, string>) {
    this.#modelName = modelName;
    this.#labels = [];
    const r = this.registry;
    const perEngine = (f: (e: Engine) => number) => () =>
      engines().map((e) => ({ labels: this.labels(e.index), value: f(e) }));
    r.register(
      new Gauge(
        'vllm:num_requests_running',
        'Number of requests in model execution batches.',
        perEngine((e) => e.scheduler.running.length),
      ),
    );
    r.register(
      new Gauge(
        'vllm:num_requests_waiting',
        'Number of requests waiting to be processed.',
        perEngine((e) => e.scheduler.waiting.length),
      ),
    );
    r.register(
      new Gauge(
        'vllm:kv_cache_usage_perc',
        'KV-cache usage. 1 means 100 percent usage.',
        perEngine((e) => e.scheduler.kv.usage),
      ),
    );
    this.promptTokens = r.register(
      new Counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.'),
    );
    this.generationTokens = r.register(
      new Counter('vllm:generation_tokens_total', 'Number of generation tokens processed.'),
    );
    this.preemptions = r.register(
      new Counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.'),
    );
    this.requestSuccess = r.register(
      new Counter('vllm:request_success_total', 'Count of successfully processed requests.'),
    );
    const h = (name: string, help: string, buckets: readonly number[]) =>
      r.register(new Histogram(name, help, buckets));
    this.ttft = h(
      'vllm:time_to_first_token_seconds',
      'Histogram of time to first token in seconds.',
      TTFT_BUCKETS,
    );
    this.itl = h(
      'vllm:inter_token_latency_seconds',
      'Histogram of inter-token latency in seconds.',
      ITL_BUCKETS,
    );
    this.tpot = h(
      'vllm:request_time_per_output_token_seconds',
      'Histogram of time_per_output_token_seconds per request.',
      ITL_BUCKETS,
    );
    this.e2e = h(
      'vllm:e2e_request_latency_seconds',
      'Histogram of e2e request latency in seconds.',
      REQUEST_BUCKETS,
    );
    this.queue = h(
      'vllm:request_queue_time_seconds',
      'Histogram of time spent in WAITING phase for request.',
      REQUEST_BUCKETS,
    );
    this.prefill = h(
      'vllm:request_prefill_time_seconds',
      'Histogram of time spent in PREFILL phase for request.',
      REQUEST_BUCKETS,
    );
    this.decode = h(
      'vllm:request_decode_time_seconds',
      'Histogram of time spent in DECODE phase for request.',
      REQUEST_BUCKETS,
    );
    this.inference = h(
      'vllm:request_inference_time_seconds',
      'Histogram of time spent in RUNNING phase for request.',
      REQUEST_BUCKETS,
    );
    this.requestPromptTokens = h(
      'vllm:request_prompt_tokens',
      'Number of prefill tokens processed.',
      TOKEN_BUCKETS,
    );
    this.requestGenerationTokens = h(
      'vllm:request_generation_tokens',
      'Number of generation tokens processed.',
      TOKEN_BUCKETS,
    );
    this.iterationTokens = h(
      'vllm:iteration_tokens_total',
      'Histogram of number of tokens per engine_step.',
      TOKEN_BUCKETS,
    );
    this.stepLateness = h(
      'servebench:sim_step_lateness_seconds',
      'How late the simulator processed the end of an engine step against its modelled deadline (real-time health).',
      LATENESS_BUCKETS,
    );
    this.stepDuration = h(
      'servebench:sim_step_duration_seconds',
      'Modelled duration of one engine step.',
      STEP_BUCKETS,
    );
    this.steps = r.register(new Counter('servebench:sim_steps_total', 'Engine steps simulated.'));
    this.lost = r.register(
      new Counter(
        'servebench:sim_lost_seconds_total',
        'Modelled time the simulator gave up: a step processed too late to catch up restarts its timeline (real-time health; compare with servebench:sim_step_duration_seconds_sum).',
      ),
    );
    r.register(
      new Gauge(
        'servebench:sim_info',
        'Simulator configuration; every result from this server is simulated.',
        () => [{ labels: { ...info, model_name: modelName, simulated: 'true' }, value: 1 }],
      ),
    );
  }

  labels(engine: number): Labels {
    let l = this.#labels[engine];
    if (!l) {
      l = { engine: String(engine), model_name: this.#modelName };
      this.#labels[engine] = l;
    }
    return l;
  }

  onStep(step: StepReport): void {
    const l = this.labels(step.engine);
    this.stepLateness.observe(l, step.lateness);
    this.stepDuration.observe(l, step.duration);
    this.iterationTokens.observe(l, step.tokens);
    this.steps.inc(l);
    this.lost.inc(l, step.lost);
  }

  onPreempted(seq: Sequence): void {
    this.preemptions.inc(this.labels(seq.engine));
  }

  onToken(seq: Sequence, now: number, previous: number): void {
    const l = this.labels(seq.engine);
    this.generationTokens.inc(l);
    if (previous >= 0) this.itl.observe(l, now - previous);
    else {
      this.promptTokens.inc(l, seq.promptTokens);
      this.ttft.observe(l, now - (seq.receivedAt >= 0 ? seq.receivedAt : seq.arrivedAt));
    }
  }

  onFinished(seq: Sequence, now: number): void {
    const l = this.labels(seq.engine);
    this.requestSuccess.inc({ ...l, finished_reason: seq.finishReason });
    this.e2e.observe(l, now - (seq.receivedAt >= 0 ? seq.receivedAt : seq.arrivedAt));
    this.queue.observe(l, seq.firstScheduledAt - seq.arrivedAt);
    this.prefill.observe(l, seq.firstTokenAt - seq.firstScheduledAt);
    this.decode.observe(l, now - seq.firstTokenAt);
    this.inference.observe(l, now - seq.firstScheduledAt);
    if (seq.generated > 1) this.tpot.observe(l, (now - seq.firstTokenAt) / (seq.generated - 1));
    this.requestPromptTokens.observe(l, seq.promptTokens);
    this.requestGenerationTokens.observe(l, seq.generated);
  }

  onAborted(seq: Sequence): void {
    this.requestSuccess.inc({ ...this.labels(seq.engine), finished_reason: 'abort' });
  }

  render(): string {
    return this.registry.render();
  }
}

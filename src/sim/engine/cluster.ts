import { kvCapacity } from '../perf/memory.ts';
import { StepTimeModel } from '../perf/step-time.ts';
import type { PerfTuning } from '../perf/tuning.ts';
import type { HardwareProfile } from '../profiles/hardware.ts';
import type { ModelProfile } from '../profiles/models.ts';
import type { Clock } from './clock.ts';
import { LeastLoadedRouter } from './data-parallel.ts';
import { Engine, type EngineObserver } from './engine.ts';
import { KvCache } from './kv-cache.ts';
import { Scheduler } from './scheduler.ts';

export interface ClusterOptions {
  readonly hardware: HardwareProfile;
  readonly model: ModelProfile;
  readonly tensorParallelSize: number;
  readonly dataParallelSize: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly gpuMemoryUtilization: number;
  readonly mpsActiveThreadPercentage: number;
  readonly tuning?: PerfTuning;
  /** --fault-slowdown: every step's modelled time is multiplied by this (default 1). */
  readonly slowdown?: number;
}

/** All engines of one simulated deployment, their router and their shared step-time model. */
export interface Cluster {
  readonly engines: readonly Engine[];
  readonly router: LeastLoadedRouter;
  readonly kvBlocksPerEngine: number;
  readonly model: StepTimeModel;
}

export function createCluster(options: ClusterOptions, clock: Clock, observer?: EngineObserver): Cluster {
  const capacity = kvCapacity(
    options.hardware,
    options.model,
    options.tensorParallelSize,
    options.gpuMemoryUtilization,
  );
  const model = new StepTimeModel({
    hardware: options.hardware,
    model: options.model,
    tensorParallelSize: options.tensorParallelSize,
    mpsActiveThreadPercentage: options.mpsActiveThreadPercentage,
    ...(options.tuning ? { tuning: options.tuning } : {}),
  });
  const engines: Engine[] = [];
  for (let i = 0; i < options.dataParallelSize; i++) {
    const scheduler = new Scheduler(
      { maxNumSeqs: options.maxNumSeqs, maxNumBatchedTokens: options.maxNumBatchedTokens },
      new KvCache(capacity.blocks),
    );
    engines.push(new Engine(i, scheduler, model, clock, observer, options.slowdown ?? 1));
  }
  return { engines, router: new LeastLoadedRouter(engines), kvBlocksPerEngine: capacity.blocks, model };
}

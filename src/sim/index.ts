/**
 * The embedded vLLM-compatible simulator. It runs as its own process (`node src/sim/main.ts`,
 * see docs/simulator.md); this module is for code that starts, configures or studies it.
 */

export { parseCli, usage } from './cli.ts';
export {
  resolveConfig,
  type SimConfig,
  SimConfigError,
  type SimOptions,
  simOptionsSchema,
} from './config.ts';
export { type OfflineRequest, type OfflineRun, runOffline } from './engine/offline.ts';
export { createSimServer, SIM_VERSION } from './http/server.ts';
export { mpsScaling } from './perf/mps.ts';
export { type BatchItem, StepTimeModel } from './perf/step-time.ts';
export { defaultTuning, type PerfTuning } from './perf/tuning.ts';
export { SIM_ENTRY, type SimProcess, startSim, startSims } from './process.ts';
export { findHardware, type HardwareProfile, hardwareIds, hardwareProfiles } from './profiles/hardware.ts';
export { findModel, type ModelProfile, modelIds, modelProfiles } from './profiles/models.ts';
export { serve } from './serve.ts';
export { Simulator } from './simulator.ts';

/**
 * The parts of the container target that load Testcontainers (and apply its settings, see
 * testcontainers-env.ts). ContainerTarget loads them on first use, so a run on another target
 * never loads Testcontainers nor changes its environment variables.
 */
export { connectDaemon, describeDaemon } from './daemon.ts';
export { describeImage, ensureImage } from './image-info.ts';
export { MpsCompanion } from './mps-companion.ts';
export { VllmContainer } from './vllm-container.ts';

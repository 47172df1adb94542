import type { ContainerPlan, GpuRequest } from './container-plan.ts';
import { deviceRequests } from './container-plan.ts';
import { GenericContainer } from './testcontainers.ts';

type CreatedHook = (containerId: string) => Promise<void> | void;

/**
 * A server container on host networking: GPUs through DeviceRequests (Testcontainers has no GPU
 * API), IPC / shared memory, bind mounts, and a hook that learns the container id as soon as it
 * exists, so a container whose start fails is never left behind.
 */
export class VllmContainer extends GenericContainer {
  private readonly createdHooks: CreatedHook[] = [];

  constructor(image: string) {
    super(image);
    this.withNetworkMode('host');
  }

  static fromPlan(plan: ContainerPlan): VllmContainer {
    const container = new VllmContainer(plan.image)
      .withGpus(plan.gpus)
      .withShm(plan.ipcMode, plan.shmSizeBytes)
      .withBinds(plan.binds)
      .withEnvironment(plan.env)
      .withLabels(plan.labels)
      .withCommand(plan.cmd);
    if (plan.entrypoint) container.withEntrypoint(plan.entrypoint);
    return container;
  }

  withGpus(gpus: GpuRequest): this {
    const requests = deviceRequests(gpus);
    this.hostConfig.DeviceRequests = requests.length > 0 ? requests : undefined;
    return this;
  }

  withShm(ipcMode: string, shmSizeBytes?: number): this {
    this.withIpcMode(ipcMode);
    this.hostConfig.ShmSize = shmSizeBytes;
    return this;
  }

  /** 'host:container:mode' binds (Testcontainers' withBindMounts replaces, this appends). */
  withBinds(binds: string[]): this {
    this.hostConfig.Binds = [...(this.hostConfig.Binds ?? []), ...binds];
    return this;
  }

  onCreated(hook: CreatedHook): this {
    this.createdHooks.push(hook);
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    for (const hook of this.createdHooks) await hook(containerId);
  }
}

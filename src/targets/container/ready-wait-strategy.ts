import type Dockerode from 'dockerode';
import type { Secrets } from '../../core/secrets.ts';
import { readContainerLog } from './container-logs.ts';
import { ContainerWatch, describeExit } from './container-watch.ts';
import { ContainerNotReadyError } from './errors.ts';
import type { WaitStrategy } from './testcontainers.ts';

/** A readiness check: resolves when ready, rejects on timeout, races the container's exit. */
export type ReadyCheck = (exited: Promise<Error>, timeoutMs: number) => Promise<void>;

/**
 * Waits until `check` passes, failing fast when the container exits first. Either failure
 * carries the exit code and the container's log (secrets masked), read before Testcontainers
 * removes the container. Subclasses pick the check: /health for servers, the MPS pipe.
 */
export class ReadyWaitStrategy implements WaitStrategy {
  private startupTimeoutMs = 60_000;
  private timeoutSet = false;
  private readonly what: string;
  private readonly check: ReadyCheck;
  private readonly secrets: Secrets;

  constructor(what: string, check: ReadyCheck, secrets: Secrets) {
    this.what = what;
    this.check = check;
    this.secrets = secrets;
  }

  async waitUntilReady(container: Dockerode.Container): Promise<void> {
    const watch = new ContainerWatch(container);
    const exited = watch.exited.then((exit) => new Error(describeExit(exit)));
    try {
      await this.check(exited, this.startupTimeoutMs);
    } catch (error) {
      const exit = await Promise.race([watch.exited, Promise.resolve(null)]);
      throw new ContainerNotReadyError(
        this.what,
        this.secrets.mask((error as Error).message),
        exit ? exit.exitCode : null,
        await readContainerLog(container, this.secrets),
      );
    } finally {
      watch.close();
    }
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.startupTimeoutMs = startupTimeoutMs;
    this.timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.timeoutSet;
  }

  getStartupTimeout(): number {
    return this.startupTimeoutMs;
  }
}

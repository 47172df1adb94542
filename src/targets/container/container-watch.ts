import type Dockerode from 'dockerode';

/** How a container ended. */
export interface ContainerExit {
  exitCode: number;
  oomKilled: boolean;
  /** 'exited', 'dead', or 'removed' when it disappeared. */
  status: string;
}

export function describeExit(exit: ContainerExit): string {
  if (exit.status === 'removed') return 'container was removed';
  return `container exited with code ${exit.exitCode}${exit.oomKilled ? ' (killed: out of memory)' : ''}`;
}

/** Polling interval for the container's state: cheap (one inspect), and fails fast enough. */
const POLL_MS = 400;

/**
 * Watches a container until it stops (inspect polling: no connection is held open, and the
 * timer never keeps the process alive). `exited` resolves once, when it is no longer running.
 */
export class ContainerWatch {
  readonly exited: Promise<ContainerExit>;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(container: Dockerode.Container) {
    this.exited = new Promise((resolve) => {
      const poll = async () => {
        if (this.closed) return;
        const exit = await checkExit(container);
        if (exit) return resolve(exit);
        if (!this.closed) this.timer = setTimeout(poll, POLL_MS).unref();
      };
      void poll();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

async function checkExit(container: Dockerode.Container): Promise<ContainerExit | null> {
  try {
    const state = (await container.inspect()).State;
    if (state.Running || state.Status === 'created' || state.Restarting) return null;
    return { exitCode: state.ExitCode, oomKilled: state.OOMKilled, status: state.Status };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404)
      return { exitCode: -1, oomKilled: false, status: 'removed' };
    return null;
  }
}

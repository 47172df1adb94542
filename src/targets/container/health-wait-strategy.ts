import type { Secrets } from '../../core/secrets.ts';
import { waitForHealth } from '../readiness.ts';
import { ReadyWaitStrategy } from './ready-wait-strategy.ts';

/**
 * Polls GET {url}/health (Testcontainers' Wait.forHttp needs mapped ports, and host networking
 * has none); fails fast with the exit code and last log lines when the server container exits,
 * and gives up when `signal` aborts (the test file's lease ended while it was starting).
 */
export class HealthWaitStrategy extends ReadyWaitStrategy {
  constructor(url: string, secrets: Secrets, signal?: AbortSignal) {
    const abandoned = new Promise<Error>((resolve) => {
      const why = () => resolve(new Error('its test file ended (GPU lease released) while it was starting'));
      if (signal?.aborted) why();
      signal?.addEventListener('abort', why, { once: true });
    });
    super(
      `server container (${url})`,
      (exited, timeoutMs) => waitForHealth(url, Promise.race([exited, abandoned]), timeoutMs),
      secrets,
    );
  }
}

import { waitForHealth } from '../readiness.ts';
import { ReadyWaitStrategy } from './ready-wait-strategy.ts';
import type { Secrets } from './secrets.ts';

/**
 * Polls GET {url}/health (Testcontainers' Wait.forHttp needs mapped ports, and host networking
 * has none); fails fast with the exit code and last log lines when the server container exits.
 */
export class HealthWaitStrategy extends ReadyWaitStrategy {
  constructor(url: string, secrets: Secrets) {
    super(`server container (${url})`, (exited, timeoutMs) => waitForHealth(url, exited, timeoutMs), secrets);
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { ConfigError } from '../core/errors.ts';

const RETRY_MS = 1000;

/**
 * vLLM's `--ready-check-timeout-sec`: before the run, poll the server until it answers, for up
 * to `timeoutS` seconds. vLLM probes with its first prompt every 5 s; we poll `GET /v1/models`
 * (with the run's headers) every second, which answers once vLLM's engine is up and sends no load.
 */
export async function readyCheck(
  baseUrl: string,
  headers: Record<string, string>,
  timeoutS: number,
  log: (line: string) => void,
): Promise<void> {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/models`;
  const started = performance.now();
  const deadline = started + timeoutS * 1000;
  log(`waiting up to ${timeoutS} s for ${url} to answer`);
  let last = 'no answer';
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) break;
    try {
      const response = await request(url, { headers, headersTimeout: left, bodyTimeout: left });
      await response.body.dump();
      if (response.statusCode === 200) {
        log(`server ready after ${((performance.now() - started) / 1000).toFixed(1)} s`);
        return;
      }
      last = `HTTP ${response.statusCode}`;
    } catch (error) {
      const e = error as Error & { code?: string };
      last = e.code ?? e.message;
    }
    await sleep(Math.max(0, Math.min(RETRY_MS, deadline - performance.now())));
  }
  throw new ConfigError(
    `the server at ${url} was not ready within ${timeoutS} s (last: ${last})`,
    'start the server, check --base-url, or raise --ready-check-timeout-sec',
  );
}

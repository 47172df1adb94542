import { request } from 'undici';

const POLL_MS = 250;

/**
 * Polls GET {url}/health until it answers 200. Fails fast when `exited` settles first (the
 * server died) and after `timeoutMs`; the caller adds the log tail to the error.
 */
export async function waitForHealth(url: string, exited: Promise<Error>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let died: Error | null = null;
  void exited.then((e) => {
    died = e;
  });
  let lastProblem = 'no answer yet';
  while (performance.now() < deadline) {
    if (died) throw died;
    try {
      const response = await request(`${url}/health`, { headersTimeout: 2000, bodyTimeout: 2000 });
      await response.body.dump();
      if (response.statusCode === 200) return;
      lastProblem = `/health answered HTTP ${response.statusCode}`;
    } catch (error) {
      lastProblem = (error as { code?: string }).code ?? (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (died) throw died;
  throw new Error(`not healthy after ${(timeoutMs / 1000).toFixed(0)} s (${lastProblem})`);
}

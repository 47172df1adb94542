import type { Dispatcher } from 'undici';
import { RequestFailure, requestFailure } from '../../core/errors.ts';
import { SseParser } from './sse-parser.ts';

/** What one streamed request produced, in ms of the caller's clock. */
export interface StreamOutcome {
  sentMs: number;
  endMs: number;
  chunkMs: number[];
  chunkTokens: number[];
  /** From the final usage; null when the stream carried none. */
  promptTokens: number | null;
  outputTokens: number | null;
  failure: RequestFailure | null;
}

export interface StreamTarget {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: Record<string, string>;
}

const ERROR_BODY_EXCERPT = 300;

/**
 * Sends one streaming OpenAI request through undici's low-level dispatch API, so every network
 * chunk is timestamped as soon as it arrives, with no stream or promise machinery per chunk.
 * Never rejects: every failure is classified into `failure`.
 */
export function sendStream(
  target: StreamTarget,
  body: string,
  now: () => number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const outcome: StreamOutcome = {
      sentMs: now(),
      endMs: 0,
      chunkMs: [],
      chunkTokens: [],
      promptTokens: null,
      outputTokens: null,
      failure: null,
    };
    const parser = new SseParser();
    let status = 0;
    let errorBody = '';
    let done = false;
    let settled = false;
    let lastCompletionTokens = 0;
    let controller: Dispatcher.DispatchController | null = null;

    const finish = (failure: RequestFailure | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      outcome.endMs = now();
      outcome.failure = failure;
      resolve(outcome);
    };
    const abortWith = (failure: RequestFailure) => {
      controller?.abort(failure);
      finish(failure);
    };
    const timer = setTimeout(
      () =>
        abortWith(new RequestFailure(requestFailure.timeout, `no complete response within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onAbort = () => abortWith(new RequestFailure(requestFailure.cancelled, 'run cancelled'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const onEvent = (data: string, at: number) => {
      if (done) return;
      if (data === '[DONE]') {
        done = true;
        return;
      }
      let event: StreamEvent;
      try {
        event = JSON.parse(data) as StreamEvent;
      } catch {
        throw new RequestFailure(requestFailure.malformedSse, `event is not JSON: ${excerpt(data)}`);
      }
      if (typeof event !== 'object' || event === null) {
        throw new RequestFailure(requestFailure.malformedSse, `event is not an object: ${excerpt(data)}`);
      }
      if (event.error) {
        throw new RequestFailure(
          requestFailure.streamError,
          `server error in stream: ${excerpt(JSON.stringify(event.error))}`,
        );
      }
      const usage = event.usage;
      const choice = event.choices?.[0];
      if (choice) {
        const text = choice.text ?? choice.delta?.content ?? choice.delta?.reasoning_content ?? '';
        // With continuous usage stats the server tells how many tokens this chunk carries.
        const tokens =
          usage?.completion_tokens != null
            ? usage.completion_tokens - lastCompletionTokens
            : text === ''
              ? 0
              : 1;
        if (usage?.completion_tokens != null) lastCompletionTokens = usage.completion_tokens;
        // Role-only or empty chunks carry no content: they are not tokens (vLLM bench counts them, we don't).
        if (text !== '' || tokens > 0) {
          outcome.chunkMs.push(at);
          outcome.chunkTokens.push(tokens);
        }
      }
      if (usage && (!choice || usage.prompt_tokens != null)) {
        outcome.promptTokens = usage.prompt_tokens ?? outcome.promptTokens;
        outcome.outputTokens = usage.completion_tokens ?? outcome.outputTokens;
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new RequestFailure(requestFailure.cancelled, 'request ended before it started'));
      },
      onResponseStart(_c, statusCode) {
        status = statusCode;
      },
      onResponseData(_c, chunk) {
        if (settled) return;
        const at = now();
        if (status !== 200) {
          if (errorBody.length < ERROR_BODY_EXCERPT) errorBody += chunk.toString('utf8');
          return;
        }
        try {
          parser.push(chunk, (data) => onEvent(data, at));
        } catch (error) {
          abortWith(error as RequestFailure);
        }
      },
      onResponseEnd() {
        if (status === 429) {
          return finish(new RequestFailure(requestFailure.rateLimited, `HTTP 429: ${excerpt(errorBody)}`));
        }
        if (status !== 200) {
          return finish(
            new RequestFailure(requestFailure.httpStatus, `HTTP ${status}: ${excerpt(errorBody)}`),
          );
        }
        if (!done) {
          const tail = parser.pending.trim();
          return finish(
            new RequestFailure(
              requestFailure.streamCut,
              tail ? `stream ended inside an event: ${excerpt(tail)}` : 'stream ended without [DONE]',
            ),
          );
        }
        if (outcome.outputTokens === null) {
          return finish(
            new RequestFailure(
              requestFailure.missingUsage,
              'stream carried no usage (server ignored stream_options.include_usage)',
            ),
          );
        }
        finish(null);
      },
      onResponseError(_c, error) {
        finish(classifyTransportError(error, status !== 0));
      },
    };

    try {
      target.dispatcher.dispatch(
        { origin: target.origin, path: target.path, method: 'POST', headers: target.headers, body },
        handler,
      );
    } catch (error) {
      finish(classifyTransportError(error as Error, false));
    }
  });
}

interface StreamEvent {
  choices?: Array<{ text?: string; delta?: { content?: string | null; reasoning_content?: string | null } }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

function classifyTransportError(error: Error, responseStarted: boolean): RequestFailure {
  if (error instanceof RequestFailure) return error;
  const code = (error as { code?: string }).code ?? '';
  const detail = code ? `${code}: ${error.message}` : error.message;
  if (responseStarted)
    return new RequestFailure(requestFailure.streamCut, `connection lost mid-stream (${detail})`);
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new RequestFailure(requestFailure.streamCut, `connection closed before a response (${detail})`);
  }
  return new RequestFailure(requestFailure.connect, `cannot connect (${detail})`);
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > ERROR_BODY_EXCERPT ? `${flat.slice(0, ERROR_BODY_EXCERPT)}…` : flat;
}

import type { Dispatcher } from 'undici';
import { MAX_TIMER_MS } from '../../config/load-limits.ts';
import { RequestFailure, requestFailure } from '../../core/errors.ts';
import { AnswerCheck } from './answer-check.ts';
import { excerpt } from './excerpt.ts';
import { SseParser } from './sse-parser.ts';

/** What one streamed request produced, in ms of the caller's clock. */
export interface StreamOutcome {
  sentMs: number;
  endMs: number;
  chunkMs: number[];
  chunkTokens: number[];
  /** From the stream's usage (the last one); null when the stream carried none. */
  promptTokens: number | null;
  /** completion_tokens of the stream's usage; null when it carried none (count chunkTokens then). */
  outputTokens: number | null;
  failure: RequestFailure | null;
}

export interface StreamTarget {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  headers: Record<string, string>;
}

/** Bytes of an error answer's body kept for its message. */
const ERROR_BODY_BYTES = 1024;

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
    const answer = new AnswerCheck();
    let status = 0;
    let errorBody: Buffer[] = [];
    let errorBytes = 0;
    /** Content-Encoding of the answer, when it is not plain ('identity'). */
    let encoding: string | null = null;
    let done = false;
    let settled = false;
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
      Math.min(timeoutMs, MAX_TIMER_MS),
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
      const usage = answer.usage(event.usage);
      const choice = answer.choices(event.choices)?.[0];
      // Only chunks with text are timed and carry tokens: role-only, finish-only and usage-only
      // chunks carry none (vLLM bench times them, we don't).
      if (choice && answer.choice(choice) !== '') {
        outcome.chunkMs.push(at);
        outcome.chunkTokens.push(answer.chunkTokens(usage));
      }
      // The last usage wins: completion_tokens never falls (AnswerCheck), so it is the final count.
      if (usage) {
        outcome.promptTokens = usage.prompt_tokens ?? outcome.promptTokens;
        outcome.outputTokens = usage.completion_tokens ?? outcome.outputTokens;
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new RequestFailure(requestFailure.cancelled, 'request ended before it started'));
      },
      onResponseStart(_c, statusCode, headers) {
        status = statusCode;
        encoding = contentEncoding(headers);
        if (status === 200 && encoding !== null) {
          abortWith(
            new RequestFailure(
              requestFailure.contentEncoding,
              `the server compressed the stream (content-encoding: ${excerpt(encoding)}), which the client does not ` +
                'decode; servebench asks for none (accept-encoding: identity): check for a proxy or server setting that compresses anyway',
            ),
          );
        }
      },
      onResponseData(_c, chunk) {
        if (settled) return;
        const at = now();
        if (status !== 200) {
          if (errorBytes < ERROR_BODY_BYTES) {
            errorBody.push(Buffer.from(chunk.subarray(0, ERROR_BODY_BYTES - errorBytes)));
            errorBytes += Math.min(chunk.length, ERROR_BODY_BYTES - errorBytes);
          }
          return;
        }
        try {
          parser.push(chunk, (data) => onEvent(data, at));
        } catch (error) {
          abortWith(asFailure(error));
        }
      },
      onResponseEnd() {
        if (status !== 200) {
          const body =
            encoding === null
              ? excerpt(Buffer.concat(errorBody).toString('utf8'))
              : `(a ${excerpt(encoding)}-encoded body, not decoded)`;
          errorBody = [];
          const code = status === 429 ? requestFailure.rateLimited : requestFailure.httpStatus;
          return finish(new RequestFailure(code, `HTTP ${status}: ${body}`));
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
        // A stream without usage (a server that ignores stream_options) is still measured: its
        // output tokens are the chunks' count, and the record says so (output_tokens_from_chunks).
        finish(answer.finalCheck(outcome.outputTokens, outcome.chunkTokens));
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
  choices?: unknown;
  usage?: unknown;
  error?: unknown;
}

/** The Content-Encoding of a response, or null when it has none or says 'identity'. */
function contentEncoding(headers: Record<string, string | string[] | undefined>): string | null {
  const value = headers['content-encoding'];
  const text = (Array.isArray(value) ? value.join(', ') : (value ?? '')).trim().toLowerCase();
  return text === '' || text === 'identity' ? null : text;
}

function asFailure(error: unknown): RequestFailure {
  if (error instanceof RequestFailure) return error;
  const e = error as Error;
  return new RequestFailure(
    requestFailure.malformedSse,
    `cannot read the stream: ${excerpt(e?.message ?? String(error))}`,
  );
}

/**
 * Socket errors that mean the client itself ran out of something. They say nothing about the
 * server, and a run that meets them did not apply the load it was asked to.
 */
const clientExhaustion: Record<string, string> = {
  EMFILE: "this process's open-file limit is reached (raise it: ulimit -n)",
  ENFILE: "the system's open-file table is full",
  EADDRNOTAVAIL: 'no local port is free (ephemeral ports exhausted)',
  ENOBUFS: 'the kernel has no buffer space left',
  ENOMEM: 'the client is out of memory',
};

function errorCode(error: Error): string {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && own in clientExhaustion) return own;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof cause === 'string' && cause in clientExhaustion) return cause;
  return typeof own === 'string' ? own : '';
}

/** Classifies an error of the connection or of undici into a request failure. */
export function classifyTransportError(error: Error, responseStarted: boolean): RequestFailure {
  if (error instanceof RequestFailure) return error;
  const code = errorCode(error);
  const detail = excerpt(code ? `${code}: ${error.message}` : error.message);
  const exhausted = clientExhaustion[code];
  if (exhausted !== undefined) {
    return new RequestFailure(
      requestFailure.clientResources,
      `the client could not open a connection: ${exhausted} (${detail}); this is the client's limit, not the server's`,
    );
  }
  if (code === 'UND_ERR_HEADERS_OVERFLOW') {
    return new RequestFailure(
      requestFailure.headersTooLarge,
      `the response headers were larger than the client's limit (${detail})`,
    );
  }
  if (responseStarted)
    return new RequestFailure(requestFailure.streamCut, `connection lost mid-stream (${detail})`);
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return new RequestFailure(requestFailure.streamCut, `connection closed before a response (${detail})`);
  }
  return new RequestFailure(requestFailure.connect, `cannot connect (${detail})`);
}

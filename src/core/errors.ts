/**
 * Every error servebench shows a user is a ServebenchError: a stable `code` (the table below,
 * also in docs/errors.md), a message that names the field or thing at fault and what was
 * expected, and a `hint` that says what to do. Match errors by class or code, never by name.
 */
export const errorCodes = {
  // Thrown: the run or command stops, and the CLI prints `error:` and `hint:`.
  SB_CONFIG: 'bad input: a flag, a profile, a plugin option, a matcher argument',
  SB_DATASET: 'a dataset spec or file that cannot be read or used',
  SB_BASELINE: 'a baseline file that cannot be read, written or judged',
  SB_RESULTS: 'a results or report file that cannot be written',
  SB_FILE_LOCKED: 'another servebench process held a file lock for longer than the wait',
  SB_SERVER_START: 'a server (sim, process, url) that did not start or answer',
  SB_DOCKER_UNAVAILABLE: 'the container target cannot reach a Docker daemon',
  SB_NVIDIA_RUNTIME_MISSING: 'the Docker daemon cannot hand GPUs to containers',
  SB_IMAGE_UNAVAILABLE: 'the server image is neither present nor pullable',
  SB_CONTAINER_NOT_READY: 'the server container exited or never became ready',
  SB_TESTCONTAINERS_MISSING: "the container target's optional 'testcontainers' package is not installed",
  SB_NO_FREE_SLOT: 'no GPU lease came free in time',
  SIM_BAD_CONFIG: "the simulator's flags or profile are invalid",
  SIM_INSUFFICIENT_MEMORY: "the simulated model does not fit the simulated GPU's memory",
  // Recorded: one request failed; the run goes on and counts it (`error_code` in raw records).
  SB_CONNECT: 'the server could not be reached or closed the connection before answering',
  SB_HTTP_STATUS: 'the server answered an HTTP error status',
  SB_RATE_LIMITED: 'the server answered 429 (backpressure)',
  SB_TIMEOUT: 'the request ran past its timeout',
  SB_STREAM_CUT: 'the stream ended before its last event',
  SB_STREAM_ERROR: 'the server sent an error event inside the stream',
  SB_MALFORMED_SSE: 'the stream is not valid server-sent events or its JSON cannot be parsed',
  SB_INVALID_ANSWER:
    'the answer is impossible: usage counts that are not non-negative integers or do not add up, or no choice with content or a finish reason',
  SB_EVENT_TOO_LARGE: "one server-sent event was larger than the client's limit (4 MiB)",
  SB_HEADERS_TOO_LARGE: "the response headers were larger than the client's limit",
  SB_CONTENT_ENCODING:
    'the response body was compressed (Content-Encoding), which the client does not decode',
  SB_CLIENT_RESOURCES:
    "the client itself ran out of a resource (file descriptors, local ports, memory): the client's fault, not the server's",
  SB_CANCELLED: 'the run was stopped while the request was in flight',
  SB_UNKNOWN: 'a failed request recorded without a code',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class ServebenchError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/**
 * Puts a ServebenchError's hint into its message, for places that print only the message and
 * stack (Vitest's start-up errors); other errors pass through unchanged.
 */
export function inlineHint(error: unknown): unknown {
  if (error instanceof ServebenchError && error.hint && !error.message.includes('\nhint: ')) {
    error.message = `${error.message}\nhint: ${error.hint}`;
  }
  return error;
}

/** Bad user input (flags, profiles, files). `hint` says what to do about it. */
export class ConfigError extends ServebenchError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('SB_CONFIG', message, hint, options);
  }
}

/**
 * Failure codes of single requests. A failing request is recorded (ok: false, error_code,
 * error) and never aborts the run; these codes are stable and appear in results.
 */
export const requestFailure = {
  connect: 'SB_CONNECT',
  httpStatus: 'SB_HTTP_STATUS',
  rateLimited: 'SB_RATE_LIMITED',
  timeout: 'SB_TIMEOUT',
  streamCut: 'SB_STREAM_CUT',
  streamError: 'SB_STREAM_ERROR',
  malformedSse: 'SB_MALFORMED_SSE',
  invalidAnswer: 'SB_INVALID_ANSWER',
  eventTooLarge: 'SB_EVENT_TOO_LARGE',
  headersTooLarge: 'SB_HEADERS_TOO_LARGE',
  contentEncoding: 'SB_CONTENT_ENCODING',
  clientResources: 'SB_CLIENT_RESOURCES',
  cancelled: 'SB_CANCELLED',
} as const satisfies Record<string, ErrorCode>;

export type RequestFailureCode = (typeof requestFailure)[keyof typeof requestFailure];

/** A classified request failure; thrown inside the client, stored in the record. */
export class RequestFailure extends ServebenchError {
  declare readonly code: RequestFailureCode;
  constructor(code: RequestFailureCode, message: string) {
    super(code, message);
  }
}

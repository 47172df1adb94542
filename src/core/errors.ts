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
  missingUsage: 'SB_MISSING_USAGE',
  cancelled: 'SB_CANCELLED',
} as const;

export type RequestFailureCode = (typeof requestFailure)[keyof typeof requestFailure];

/** A classified request failure; thrown inside the client, stored in the record. */
export class RequestFailure extends Error {
  readonly code: RequestFailureCode;
  constructor(code: RequestFailureCode, message: string) {
    super(message);
    this.name = 'RequestFailure';
    this.code = code;
  }
}

/** Bad user input (flags, profiles, files). `hint` says what to do about it. */
export class ConfigError extends Error {
  readonly code = 'SB_CONFIG';
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'ConfigError';
    this.hint = hint;
  }
}

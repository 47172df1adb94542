/** Bad dataset input: an invalid spec, an unreadable or malformed file. `hint` says what to do. */
export class DatasetError extends Error {
  readonly code = 'SB_DATASET';
  readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
    this.hint = hint;
  }
}

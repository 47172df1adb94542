import { ServebenchError } from '../core/errors.ts';

/** Bad dataset input: an invalid spec, an unreadable or malformed file. `hint` says what to do. */
export class DatasetError extends ServebenchError {
  declare readonly hint: string;
  constructor(message: string, hint: string, options?: { cause?: unknown }) {
    super('SB_DATASET', message, hint, options);
  }
}

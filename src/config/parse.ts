import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/** Validates `input`; on failure throws a ConfigError listing each bad field with its zod path. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${what}:\n${lines.join('\n')}`, `fix the fields above in the ${what}`);
}

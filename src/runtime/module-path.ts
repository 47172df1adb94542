import { fileURLToPath } from 'node:url';

/**
 * The path of a module that is started by path (a worker thread, a child process, a Vitest setup
 * file), next to the module asking for it and in the same form: `.ts` when servebench runs from
 * its sources, `.js` when it runs from the built package in dist/.
 */
export function modulePath(from: string, relative: string): string {
  const extension = from.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`${relative}${extension}`, from));
}

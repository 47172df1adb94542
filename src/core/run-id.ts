import { randomBytes } from 'node:crypto';

/** A run's id, readable and unique: `20261208T101500Z-a1b2c3` (UTC start, then 6 random hex digits). */
export function newRunId(at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

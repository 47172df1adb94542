import { describe, expect, it } from 'vitest';
import { nearestFlag } from './unknown-flags.ts';

describe('nearestFlag', () => {
  const known = [
    '--num-prompts',
    '--request-rate',
    '--ready-check-timeout-sec',
    '--random-input-len',
    '--host',
    '--port',
  ];

  it.each([
    ['--num-prompt', '--num-prompts'],
    ['--request_rate', '--request-rate'],
    ['--ready-check-timeout', '--ready-check-timeout-sec'],
    ['--random-input-length', '--random-input-len'],
    ['--hots', '--host'],
  ])('%s -> %s', (typed, meant) => {
    expect(nearestFlag(typed, known)).toBe(meant);
  });

  it('suggests nothing for an unrelated flag', () => {
    expect(nearestFlag('--foo', known)).toBeUndefined();
    expect(nearestFlag('--tensor-parallel-size', known)).toBeUndefined();
  });
});

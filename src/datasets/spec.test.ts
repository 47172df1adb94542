import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.ts';
import { parseDatasetSpec } from './spec.ts';

function specError(input: unknown): DatasetError {
  try {
    parseDatasetSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('parseDatasetSpec', () => {
  it('fills vLLM defaults', () => {
    expect(parseDatasetSpec({ name: 'random' })).toEqual({
      name: 'random',
      input_len: 1024,
      output_len: 128,
      range_ratio: 0,
      prefix_len: 0,
      vocab_size: 32000,
    });
    expect(parseDatasetSpec({ name: 'prefix-repetition' })).toEqual({
      name: 'prefix-repetition',
      prefix_len: 256,
      suffix_len: 256,
      num_prefixes: 10,
      output_len: 128,
      vocab_size: 32000,
    });
    expect(parseDatasetSpec({ name: 'jsonl', path: 'p.jsonl' })).toEqual({
      name: 'jsonl',
      path: 'p.jsonl',
      output_len: 256,
      shuffle: true,
    });
    expect(parseDatasetSpec({ name: 'sharegpt', path: 's.json' })).toEqual({
      name: 'sharegpt',
      path: 's.json',
      shuffle: true,
    });
  });

  it('names the field, the expectation and the value', () => {
    const error = specError({ name: 'random', input_len: -3 });
    expect(error.message).toBe(
      'random-input-len must be a positive integer, got -3 (spec field "input_len")',
    );
    expect(error.code).toBe('SB_DATASET');
    expect(error.hint).toMatch(/input_len, output_len, range_ratio, prefix_len, vocab_size/);
    expect(specError({ name: 'random', output_len: 2.5 }).message).toMatch(
      /^random-output-len must be a positive integer, got 2.5/,
    );
    expect(specError({ name: 'sharegpt' }).message).toBe(
      'sharegpt-path must be a file path (string), got nothing (spec field "path")',
    );
    expect(specError({ name: 'jsonl', path: 'x', shuffle: 'yes' }).message).toBe(
      'jsonl-shuffle must be true or false, got "yes" (spec field "shuffle")',
    );
  });

  it('reports every problem at once, unknown fields included', () => {
    const error = specError({ name: 'random', range_ratio: 1.5, input_length: 10 });
    expect(error.message).toContain('random-range-ratio must be a number in [0, 1), got 1.5');
    expect(error.message).toContain('random dataset has unknown field(s) "input_length"');
  });

  it('rejects an unknown name or a non-object', () => {
    const error = specError({ name: 'sonnet' });
    expect(error.message).toBe(
      'dataset name must be one of "random", "sharegpt", "jsonl", "prefix-repetition", got "sonnet"',
    );
    expect(error.hint).toMatch(/Pick a dataset name/);
    expect(specError({}).message).toMatch(/got nothing$/);
    expect(specError(7).message).toBe('dataset spec must be an object, got 7');
  });
});

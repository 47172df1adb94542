import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.ts';
import { pluginOptionsSchema } from './plugin-options.ts';

const parse = (input: unknown) => parseConfig(pluginOptionsSchema, input, 'servebench() options');

describe('servebench() options', () => {
  it('takes GPU ids as numbers or strings, one per slot or several per slot', () => {
    expect(parse({ gpus: [0, '1'] }).gpus).toEqual(['0', '1']);
    expect(
      parse({
        gpus: [
          [0, 1],
          ['2', '3'],
        ],
      }).gpus,
    ).toEqual([
      ['0', '1'],
      ['2', '3'],
    ]);
    expect(parse({}).gpus).toBe('auto');
  });

  it('says what gpus expects when it is wrong', () => {
    expect(() => parse({ gpus: [] })).toThrow(
      /gpus: expected 'auto', GPU ids \(one slot each\) like \['0', '1'\]/,
    );
  });
});

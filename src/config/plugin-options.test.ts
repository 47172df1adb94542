import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse.ts';
import { applyEnvOverrides, pluginOptionsSchema } from './plugin-options.ts';

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
      /gpus: expected 'auto', 'none', GPU ids \(one slot each\) like \['0', '1'\]/,
    );
  });

  it("takes gpus 'none' (servers on the CPU) and a llama-server path", () => {
    expect(parse({ gpus: 'none', llamaServer: '/opt/llama-server' })).toMatchObject({
      gpus: 'none',
      llamaServer: '/opt/llama-server',
    });
    expect(() => parse({ llamaServer: '' })).toThrow(/llamaServer/);
  });

  it("target 'url' needs a url, from the option or SERVEBENCH_URL, and says so (not 'Invalid URL')", () => {
    expect(() => applyEnvOverrides(parse({ target: 'url' }), {})).toThrow(
      /url: required by target 'url': expected the running server's root URL, e\.g\. url: 'http:\/\/127\.0\.0\.1:8000'/,
    );
    expect(applyEnvOverrides(parse({ target: 'url' }), { SERVEBENCH_URL: 'http://127.0.0.1:9' }).url).toBe(
      'http://127.0.0.1:9',
    );
    expect(() => applyEnvOverrides(parse({}), { SERVEBENCH_URL: 'localhost:8000' })).toThrow(
      /SERVEBENCH_URL: expected an http:\/\/ or https:\/\/ URL such as 'http:\/\/127\.0\.0\.1:8000', got "localhost:8000"/,
    );
    expect(() => applyEnvOverrides(parse({}), { SERVEBENCH_TARGET: 'gpu' })).toThrow(
      /SERVEBENCH_TARGET: expected one of auto, container, process, sim, url, got 'gpu'/,
    );
  });

  it('names a bad url and a port out of range', () => {
    expect(() => parse({ url: 'http://127.0.0.1:70000' })).toThrow(
      /url: expected an http:\/\/ or https:\/\/ URL .*, got "http:\/\/127\.0\.0\.1:70000" \(port 70000 is out of range 1-65535\)/,
    );
  });

  it('a tolerance is a relative change >= 0', () => {
    expect(() => parse({ tolerance: { default: -0.1 } })).toThrow(
      /tolerance\.default: expected a relative change >= 0 \(0\.1 allows 10 %\)/,
    );
    expect(parse({ tolerance: { default: 0 } }).tolerance).toEqual({ default: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import {
  isSecretFlag,
  isSecretName,
  knownSecrets,
  registerSecrets,
  Secrets,
  secretFlagValues,
} from './secrets.ts';

describe('secrets: what counts as one', () => {
  it('names: HF_TOKEN, OPENAI_API_KEY, *_TOKEN, *_KEY, *_SECRET, *_PASSWORD; not *_TOKENS or ordinary names', () => {
    for (const name of [
      'HF_TOKEN',
      'HUGGING_FACE_HUB_TOKEN',
      'OPENAI_API_KEY',
      'MY_SECRET',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'api_key',
    ])
      expect(isSecretName(name), name).toBe(true);
    for (const name of ['VLLM_MAX_TOKENS', 'CUDA_VISIBLE_DEVICES', 'PATH', 'HOME', 'KEYBOARD_LAYOUT'])
      expect(isSecretName(name), name).toBe(false);
  });

  it("flags: vLLM's, llama.cpp's and TGI's secret flags; not file paths or token counts", () => {
    for (const flag of [
      '--api-key',
      '--hf-token',
      '-hft',
      '--ssl-keyfile-password',
      '--admin-api-key',
      '--api_key',
      '--auth-token',
    ])
      expect(isSecretFlag(flag), flag).toBe(true);
    for (const flag of [
      '--api-key-file',
      '--ssl-keyfile',
      '--max-num-batched-tokens',
      '--tokenizer',
      '--max-tokens',
      '--model',
    ])
      expect(isSecretFlag(flag), flag).toBe(false);
  });

  it('takes values of both flag forms, not a following flag (vLLM --hf-token may stand alone)', () => {
    expect(
      secretFlagValues([
        '--api-key',
        'sk-1',
        '--hf-token=hf_x',
        '--hf-token',
        '--max-num-seqs',
        '8',
        '-hft',
        't',
      ]),
    ).toEqual(['sk-1', 'hf_x', 't']);
  });
});

describe('secrets: masking', () => {
  it('masks recorded arguments by position, however short the value, and the --flag=value form', () => {
    const args = ['--api-key', 'abc', '--hf-token=x1', '--max-num-seqs', '8', '--hf-token', '--seed', '1'];
    expect(Secrets.none.maskArgs(args)).toEqual([
      '--api-key',
      '***',
      '--hf-token=***',
      '--max-num-seqs',
      '8',
      '--hf-token',
      '--seed',
      '1',
    ]);
  });

  it('masks values in free text, the longer secret first, and leaves short values to context', () => {
    const secrets = new Secrets(['hf_abcdefgh', 'hf_abcdefgh_longer', 'true']);
    expect(secrets.values).toEqual(['hf_abcdefgh_longer', 'hf_abcdefgh']);
    expect(secrets.mask('token hf_abcdefgh_longer and hf_abcdefgh, true')).toBe('token *** and ***, true');
  });

  it('masks by context: flags in command lines, NAME=value, and the Python reprs vLLM logs', () => {
    const s = Secrets.none;
    expect(s.mask('cmd --api-key abc --port 8000')).toBe('cmd --api-key *** --port 8000');
    expect(s.mask('cmd --api-key=abc')).toBe('cmd --api-key=***');
    expect(s.mask('env HF_TOKEN=xyz PATH=/bin')).toBe('env HF_TOKEN=*** PATH=/bin');
    expect(s.mask("non-default args: {'api_key': ['abc'], 'max_num_seqs': 8}")).toBe(
      "non-default args: {'api_key': ['***'], 'max_num_seqs': 8}",
    );
    expect(s.mask('Namespace(api_key=\'abc\', hf_token="t0k", port=8000)')).toBe(
      'Namespace(api_key=\'***\', hf_token="***", port=8000)',
    );
    expect(s.mask('max_num_batched_tokens=8192 --max-num-seqs 8')).toBe(
      'max_num_batched_tokens=8192 --max-num-seqs 8',
    );
  });

  it('masks every string of a record, keys too, and leaves numbers alone', () => {
    const secrets = new Secrets(['sk-live-12345678']);
    expect(
      secrets.maskDeep({
        args: ['--x', 'sk-live-12345678'],
        n: 12345678,
        nested: { 'sk-live-12345678': 'a' },
      }),
    ).toEqual({ args: ['--x', '***'], n: 12345678, nested: { '***': 'a' } });
  });

  it("masks an environment's secret-named variables whatever their length", () => {
    expect(Secrets.none.maskEnv({ HF_TOKEN: 'x', CUDA_VISIBLE_DEVICES: '0' })).toEqual({
      HF_TOKEN: '***',
      CUDA_VISIBLE_DEVICES: '0',
    });
  });

  it("knows this process's environment (read when asked) and the registered secrets of its servers", () => {
    const name = `SERVEBENCH_TEST_${process.pid}_TOKEN`;
    process.env[name] = 'env-secret-value-1';
    try {
      registerSecrets(
        Secrets.of({ env: { MY_SECRET: 'spec-secret-value-2' }, args: ['--api-key', 'sk-arg-value-3'] }),
      );
      expect(knownSecrets().mask('a env-secret-value-1 b spec-secret-value-2 c sk-arg-value-3')).toBe(
        'a *** b *** c ***',
      );
    } finally {
      delete process.env[name];
    }
    expect(knownSecrets().mask('env-secret-value-1')).toBe('env-secret-value-1');
  });
});

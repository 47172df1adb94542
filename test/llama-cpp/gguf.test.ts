import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  metaValue,
  readGguf,
  readTensorBytes,
  readTensorFloats,
} from '../../scripts/llama-cpp/gguf-reader.ts';
import {
  alignUp,
  encodeHeader,
  GGUF_MAGIC,
  GgmlType,
  GgufType,
  meta,
  type TensorSpec,
  tensorBytes,
  writeGguf,
} from '../../scripts/llama-cpp/gguf-writer.ts';
import {
  floatToHalf,
  generateRandomGguf,
  parameterCount,
  parseCli,
  qwen2Metadata,
  qwen2Tensors,
  SHAPES,
  SUPPRESSED_LOGIT_BIAS,
} from '../../scripts/llama-cpp/random-gguf.ts';
import {
  buildVocabulary,
  byteDecode,
  byteDecodeBytes,
  byteEncode,
  pretokenize,
  QWEN_SPECIAL_TOKENS,
  TokenType,
} from '../../scripts/llama-cpp/tokenizer-bpe.ts';
import { tempDirs } from '../helpers/files/temp-dirs.ts';

const tempDir = tempDirs('gguf');
const root = join(import.meta.dirname, '../..');

const ENGLISH = `The quick brown fox jumps over the lazy dog. In the beginning of the project, the team decided to \
measure the latency of the server under different loads. Each request was sent with a prompt of about five hundred \
words, and the model answered with a short paragraph.

However, the results showed that the throughput depended on the batch size more than on the length of the input. \
We repeated the experiment several times and found that the average time per output token stayed the same.`;

function bytesOf(values: number[]): TensorSpec['data'] {
  return function* () {
    yield new Uint8Array(values);
  };
}

/** Every tensor starts where the previous one's padded bytes end, from 0, at the alignment. */
function expectContiguous(file: ReturnType<typeof readGguf>): void {
  let offset = 0;
  for (const t of file.tensors) {
    expect(t.offset, t.name).toBe(offset);
    expect(t.offset % file.alignment).toBe(0);
    offset += alignUp(tensorBytes(t.dims, t.type as GgmlType), file.alignment);
  }
  expect(file.dataOffset % file.alignment).toBe(0);
  expect(file.fileSize).toBe(file.dataOffset + offset);
}

describe('GGUF writer and reader', () => {
  it('writes every metadata type, tensor infos and padded data that read back the same', async () => {
    const path = join(await tempDir(), 'm.gguf');
    const q8 = Array.from({ length: 34 * 2 }, (_, i) => i % 251);
    const written = await writeGguf(path, {
      alignment: 32,
      metadata: [
        ['a.u8', { type: 'uint8', value: 250 }],
        ['a.i8', { type: 'int8', value: -5 }],
        ['a.u16', { type: 'uint16', value: 65000 }],
        ['a.i16', { type: 'int16', value: -300 }],
        ['a.u32', meta.u32(4_000_000_000)],
        ['a.i32', meta.i32(-123456)],
        ['a.f32', meta.f32(0.5)],
        ['a.f64', { type: 'float64', value: 1e-300 }],
        ['a.u64', { type: 'uint64', value: 2n ** 60n }],
        ['a.i64', { type: 'int64', value: -(2n ** 40n) }],
        ['a.bool', meta.bool(true)],
        ['a.str', meta.str('héllo <|im_start|>')],
        ['a.strs', meta.strings(['x', '', 'Ġthe'])],
        ['a.i32s', meta.i32s([1, -2, 3])],
        ['a.f32s', meta.f32s([0.25, -1])],
      ],
      tensors: [
        { name: 'f32', dims: [3], type: GgmlType.F32, data: bytesOf([...Array(12).keys()]) },
        { name: 'f16', dims: [5, 1], type: GgmlType.F16, data: bytesOf([...Array(10).keys()]) },
        { name: 'q8', dims: [32, 2], type: GgmlType.Q8_0, data: bytesOf(q8) },
      ],
    });
    const file = readGguf(path);
    const head = await readFile(path);
    expect(head.readUInt32LE(0)).toBe(GGUF_MAGIC);
    expect(head.subarray(0, 4).toString('latin1')).toBe('GGUF');
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    expect([...file.metadata.keys()][0]).toBe('general.alignment');
    expect(file.metadata.get('general.alignment')?.type).toBe(GgufType.UINT32);
    expect(Object.fromEntries([...file.metadata].map(([k, v]) => [k, v.value]))).toEqual({
      'general.alignment': 32,
      'a.u8': 250,
      'a.i8': -5,
      'a.u16': 65000,
      'a.i16': -300,
      'a.u32': 4_000_000_000,
      'a.i32': -123456,
      'a.f32': 0.5,
      'a.f64': 1e-300,
      'a.u64': 2n ** 60n,
      'a.i64': -(2n ** 40n),
      'a.bool': true,
      'a.str': 'héllo <|im_start|>',
      'a.strs': ['x', '', 'Ġthe'],
      'a.i32s': [1, -2, 3],
      'a.f32s': [0.25, -1],
    });
    expect(file.metadata.get('a.strs')?.arrayType).toBe(GgufType.STRING);
    expect(file.metadata.get('a.i32s')?.arrayType).toBe(GgufType.INT32);
    expect(file.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ['f32', [3], GgmlType.F32],
      ['f16', [5, 1], GgmlType.F16],
      ['q8', [32, 2], GgmlType.Q8_0],
    ]);
    expect(file.tensors.map((t) => t.offset)).toEqual([0, 32, 64]);
    expectContiguous(file);
    expect(written.bytes).toBe(file.fileSize);
    expect(written.dataOffset).toBe(file.dataOffset);
    expect([...readTensorBytes(path, file, 'f16')]).toEqual([...Array(10).keys()]);
    expect([...readTensorBytes(path, file, 'q8')]).toEqual(q8);
  });

  it('honours another alignment', async () => {
    const path = join(await tempDir(), 'a64.gguf');
    await writeGguf(path, {
      alignment: 64,
      metadata: [['x', meta.str('y')]],
      tensors: [
        { name: 'a', dims: [7], type: GgmlType.F32, data: bytesOf(Array(28).fill(1)) },
        { name: 'b', dims: [2], type: GgmlType.F16, data: bytesOf([0, 60, 0, 188]) },
      ],
    });
    const file = readGguf(path);
    expect(file.alignment).toBe(64);
    expect(file.tensors.map((t) => t.offset)).toEqual([0, 64]);
    expectContiguous(file);
    expect([...readTensorFloats(path, file, 'b')]).toEqual([1, -1]);
  });

  it('leaves neither the file nor a temporary file when a tensor yields the wrong size', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.gguf');
    await expect(
      writeGguf(path, {
        metadata: [],
        tensors: [{ name: 't', dims: [4], type: GgmlType.F32, data: bytesOf([1, 2, 3]) }],
      }),
    ).rejects.toThrow('tensor t yielded 3 bytes, expected 16');
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses duplicate keys, long names and rows that do not fill Q8_0 blocks', () => {
    const t = (name: string, dims: number[], type: GgmlType = GgmlType.F32): TensorSpec => ({
      name,
      dims,
      type,
      data: bytesOf([]),
    });
    expect(() =>
      encodeHeader({
        metadata: [
          ['k', meta.u32(1)],
          ['k', meta.u32(2)],
        ],
        tensors: [],
      }),
    ).toThrow('metadata key k appears twice');
    expect(() => encodeHeader({ metadata: [], tensors: [t('x'.repeat(64), [1])] })).toThrow(
      'longer than 63 bytes',
    );
    expect(() => encodeHeader({ metadata: [], tensors: [t('q', [48, 2], GgmlType.Q8_0)] })).toThrow(
      'a Q8_0 row must hold a multiple of 32 elements, not 48',
    );
    expect(() => encodeHeader({ metadata: [], tensors: [], alignment: 48 })).toThrow('power of two');
  });

  it('converts floats to IEEE halves', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(0.02)).toBe(0x251f);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(0)).toBe(0);
  });
});

describe('synthetic BPE vocabulary', () => {
  const vocab = buildVocabulary(SHAPES.tiny.nVocab, SHAPES.tiny.vocabPadding);

  it('has the wanted size, unique tokens, and every merge makes a token', () => {
    expect(vocab.tokens).toHaveLength(8192);
    expect(vocab.tokenTypes).toHaveLength(8192);
    expect(new Set(vocab.tokens).size).toBe(8192);
    const tokens = new Set(vocab.tokens);
    for (const m of vocab.merges) {
      const [a, b, ...rest] = m.split(' ');
      expect(rest).toEqual([]);
      expect(tokens.has(a as string) && tokens.has(b as string) && tokens.has(`${a}${b}`), m).toBe(true);
    }
    expect(vocab.regularCount).toBe(8192 - QWEN_SPECIAL_TOKENS.length);
    expect(vocab.tokens.slice(vocab.regularCount)).toEqual(QWEN_SPECIAL_TOKENS.map(([t]) => t));
    expect(vocab.tokens[vocab.eosId]).toBe('<|im_end|>');
    expect(vocab.tokens[vocab.bosId]).toBe('<|endoftext|>');
    expect(vocab.tokenTypes[vocab.eosId]).toBe(TokenType.CONTROL);
    // the 256 byte symbols come first, so any text encodes
    expect(vocab.tokens.slice(0, 256).every((t) => t.length === 1)).toBe(true);
  });

  it('encodes English at about four characters per token, and decodes back exactly', () => {
    const ids = vocab.bpe.encode(ENGLISH);
    const chars = ENGLISH.length / ids.length;
    expect(chars).toBeGreaterThan(3.5);
    expect(chars).toBeLessThan(5);
    expect(ids.every((id) => id < vocab.regularCount)).toBe(true);
    expect(byteDecode(ids.map((id) => vocab.tokens[id]).join(''))).toBe(ENGLISH);
    // common words are one token each, with their leading space
    expect(vocab.bpe.encode(' the model')).toEqual([vocab.bpe.idOf('Ġthe'), vocab.bpe.idOf('Ġmodel')]);
    const odd = 'naïve 日本語 🙂 x=1234;\t\r\n';
    expect(
      byteDecode(
        vocab.bpe
          .encode(odd)
          .map((id) => vocab.tokens[id])
          .join(''),
      ),
    ).toBe(odd);
    expect(byteDecode(byteEncode(odd))).toBe(odd);
  });

  it('pre-tokenizes like qwen2: words with their leading space, single digits', () => {
    expect(pretokenize("Hello world, it's 2025.\n\nOk")).toEqual([
      'Hello',
      ' world',
      ',',
      ' it',
      "'s",
      ' ',
      '2',
      '0',
      '2',
      '5',
      '.\n\n',
      'Ok',
    ]);
  });
});

describe('random-gguf: qwen2 models', () => {
  it('tiny: a qwen2 model with the shape, tokenizer and tensors llama.cpp loads', async () => {
    const dir = await tempDir();
    const path = join(dir, 'tiny.gguf');
    const result = await generateRandomGguf({ shape: 'tiny', out: path, seed: 11 });
    const file = readGguf(path);
    const s = SHAPES.tiny;
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    expect(result.bytes).toBe(file.fileSize);
    expect((await stat(path)).size).toBe(file.fileSize);
    expectContiguous(file);
    const m = (k: string) => metaValue(file, k);
    expect(m('general.architecture')).toBe('qwen2');
    expect(m('general.file_type')).toBe(1);
    expect(m('qwen2.block_count')).toBe(s.nLayer);
    expect(m('qwen2.context_length')).toBe(s.nCtx);
    expect(m('qwen2.embedding_length')).toBe(s.nEmbd);
    expect(m('qwen2.feed_forward_length')).toBe(s.nFf);
    expect(m('qwen2.attention.head_count')).toBe(s.nHead);
    expect(m('qwen2.attention.head_count_kv')).toBe(s.nHeadKv);
    expect(m('qwen2.rope.freq_base')).toBe(1e6);
    expect(m('qwen2.attention.layer_norm_rms_epsilon')).toBeCloseTo(1e-6, 12);
    expect(m('tokenizer.ggml.model')).toBe('gpt2');
    expect(m('tokenizer.ggml.pre')).toBe('qwen2');
    expect(m('tokenizer.ggml.tokens')).toHaveLength(s.nVocab);
    expect(m('tokenizer.ggml.token_type')).toHaveLength(s.nVocab);
    expect(file.metadata.get('tokenizer.ggml.token_type')?.arrayType).toBe(GgufType.INT32);
    expect(m('tokenizer.chat_template')).toContain('<|im_start|>');
    expect(m('servebench.seed')).toBe(11);

    const head = s.nEmbd / s.nHead;
    const names = file.tensors.map((t) => t.name);
    expect(names).toHaveLength(3 + 12 * s.nLayer);
    expect(names).not.toContain('output.weight'); // tied embeddings
    const dims = Object.fromEntries(file.tensors.map((t) => [t.name, t.dims]));
    expect(dims['token_embd.weight']).toEqual([s.nEmbd, s.nVocab]);
    expect(dims['blk.3.attn_q.weight']).toEqual([s.nEmbd, s.nEmbd]);
    expect(dims['blk.3.attn_k.weight']).toEqual([s.nEmbd, head * s.nHeadKv]);
    expect(dims['blk.3.attn_v.bias']).toEqual([head * s.nHeadKv]);
    expect(dims['blk.0.ffn_down.weight']).toEqual([s.nFf, s.nEmbd]);
    expect(dims['blk.0.ffn_up.weight']).toEqual([s.nEmbd, s.nFf]);
    expect(dims['output_norm.weight']).toEqual([s.nEmbd]);
    expect(dims['output.bias']).toEqual([s.nVocab]);

    const w = readTensorFloats(path, file, 'blk.1.ffn_gate.weight');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect([...readTensorFloats(path, file, 'blk.2.ffn_norm.weight')].every((x) => x === 1)).toBe(true);
    expect(file.tensors.find((t) => t.name === 'blk.2.attn_q.bias')?.type).toBe(GgmlType.F32);

    // What the model can emit decodes as UTF-8 on its own; the rest has a large negative bias.
    const bias = readTensorFloats(path, file, 'output.bias');
    const tokens = m('tokenizer.ggml.tokens') as string[];
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    const allowed = tokens.filter((_, id) => bias[id] === 0);
    expect(bias.filter((b) => b === SUPPRESSED_LOGIT_BIAS)).toHaveLength(128 + 22 - 2);
    expect(allowed).toContain('<|im_end|>');
    expect(allowed).toContain('<|endoftext|>');
    expect(allowed).not.toContain('<|im_start|>');
    for (const t of allowed.filter((x) => !x.startsWith('<|'))) {
      expect(() => utf8.decode(byteDecodeBytes(t)), t).not.toThrow();
    }
  });

  it('is deterministic with the seed, and the seed changes the weights only', async () => {
    const dir = await tempDir();
    const digest = async (seed: number, name: string) => {
      const path = join(dir, name);
      await generateRandomGguf({ shape: 'tiny', out: path, seed });
      const file = readGguf(path);
      const bytes = await readFile(path);
      return {
        all: createHash('sha256').update(bytes).digest('hex'),
        tokens: JSON.stringify(metaValue(file, 'tokenizer.ggml.merges')),
        embd: createHash('sha256')
          .update(readTensorBytes(path, file, 'token_embd.weight'))
          .digest('hex'),
      };
    };
    const a = await digest(5, 'a.gguf');
    const b = await digest(5, 'b.gguf');
    const c = await digest(6, 'c.gguf');
    expect(b).toEqual(a);
    expect(c.tokens).toBe(a.tokens);
    expect(c.embd).not.toBe(a.embd);
  });

  it('writes F32 and Q8_0 weights too', async () => {
    const dir = await tempDir();
    for (const [type, ggml, fileType] of [
      ['f32', GgmlType.F32, 0],
      ['q8_0', GgmlType.Q8_0, 7],
    ] as const) {
      const path = join(dir, `${type}.gguf`);
      await generateRandomGguf({ shape: 'tiny', out: path, seed: 1, type });
      const file = readGguf(path);
      expectContiguous(file);
      expect(metaValue(file, 'general.file_type')).toBe(fileType);
      expect(file.tensors.find((t) => t.name === 'blk.0.ffn_up.weight')?.type).toBe(ggml);
      const w = readTensorFloats(path, file, 'blk.0.ffn_up.weight');
      const std = Math.sqrt(w.reduce((a, b) => a + b * b, 0) / w.length);
      expect(std).toBeGreaterThan(0.019);
      expect(std).toBeLessThan(0.021);
    }
  });

  it("qwen2.5-1.5b: Qwen2.5-1.5B's shapes, 1.54 B parameters and a 151936-token vocabulary", async () => {
    const s = SHAPES['qwen2.5-1.5b'];
    const vocab = buildVocabulary(s.nVocab, s.vocabPadding);
    const tensors = qwen2Tensors(s, GgmlType.F16, 0, vocab);
    // Qwen2.5-1.5B's 1_543_714_304, plus the output bias
    expect(parameterCount(tensors)).toBe(1_543_714_304 + 151_936);
    // Only the header: the 3 GB of weights are not written here.
    const { header, layout } = encodeHeader({
      metadata: qwen2Metadata(s, 'qwen2.5-1.5b', 'f16', 0, vocab),
      tensors,
    });
    const path = join(await tempDir(), 'header.gguf');
    await writeFile(path, header);
    const file = readGguf(path);
    expect(file.dataOffset).toBe(header.length);
    expect(file.tensors).toHaveLength(3 + 12 * 28);
    expect(file.tensors.map((t) => t.offset)).toEqual(layout.map((t) => t.offset));
    const last = layout.at(-1);
    // F16 matrices (2 bytes), F32 biases and norms (4 bytes; 144896, and 151936 of output.bias), no padding needed
    expect((last?.offset ?? 0) + alignUp(last?.bytes ?? 0, 32)).toBe(
      2 * (1_543_714_304 - 144_896) + 4 * (144_896 + 151_936),
    );
    const m = (k: string) => metaValue(file, k);
    expect(m('qwen2.embedding_length')).toBe(1536);
    expect(m('qwen2.block_count')).toBe(28);
    expect(m('qwen2.attention.head_count')).toBe(12);
    expect(m('qwen2.attention.head_count_kv')).toBe(2);
    expect(m('qwen2.feed_forward_length')).toBe(8960);
    expect(m('qwen2.context_length')).toBe(32768);
    const tokens = m('tokenizer.ggml.tokens') as string[];
    expect(tokens).toHaveLength(151936);
    expect(tokens[151643]).toBe('<|endoftext|>');
    expect(tokens[151645]).toBe('<|im_end|>');
    expect(tokens[151935]).toBe('[PAD151935]');
    expect(m('tokenizer.ggml.eos_token_id')).toBe(151645);
    expect((m('tokenizer.ggml.merges') as string[]).length).toBe(151643 - 256);
  });

  it('the command line names the flag and what it expected', async () => {
    const out = join(await tempDir(), 'x.gguf');
    expect(() => parseCli(['--out', out])).toThrow('--shape is required: one of tiny, qwen2.5-1.5b');
    expect(() => parseCli(['--shape', 'huge', '--out', out])).toThrow(
      '--shape must be one of tiny, qwen2.5-1.5b, not "huge"',
    );
    expect(() => parseCli(['--shape', 'tiny'])).toThrow('--out is required');
    expect(() => parseCli(['--shape', 'tiny', '--out', out, '--seed', '1.5'])).toThrow(
      '--seed must be an integer from 0 to 4294967295, not "1.5"',
    );
    expect(() => parseCli(['--shape', 'tiny', '--out', out, '--type', 'q4'])).toThrow(
      '--type must be one of f32, f16, q8_0, not "q4"',
    );
    expect(() => parseCli(['--shape', 'tiny', '--out', out, '--bogus'])).toThrow("Unknown option '--bogus'");
    expect(parseCli(['--shape', 'tiny', '--out', out, '--seed', '9'])).toEqual({
      shape: 'tiny',
      out,
      seed: 9,
      type: 'f16',
    });

    const bad = spawnSync(
      process.execPath,
      [join(root, 'scripts/llama-cpp/random-gguf.ts'), '--shape', 'big'],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--shape must be one of tiny, qwen2.5-1.5b, not "big"');
    const ok = spawnSync(
      process.execPath,
      [join(root, 'scripts/llama-cpp/random-gguf.ts'), '--shape', 'tiny', '--out', out],
      {
        encoding: 'utf8',
      },
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      path: out,
      shape: 'tiny',
      type: 'f16',
      seed: 0,
      parameters: 4_460_800 + 8192,
    });
  });
});

/**
 * A synthetic byte-level BPE vocabulary in the form llama.cpp reads from GGUF
 * (`tokenizer.ggml.model = "gpt2"`, pre-tokenizer "qwen2"): the 256 GPT-2 byte symbols, merges
 * that make common English words, word pieces and punctuation runs single tokens (so English
 * text comes to about four characters per token, like real vocabularies), then made-up
 * syllable words up to the wanted size, then Qwen2.5's special tokens and padding.
 *
 * Merges are learnt one target at a time: the target is encoded with the merges so far, and the
 * first two pieces are merged until it is one token. A new merge ranks after every earlier one,
 * so it never changes how an earlier target encodes; every merge's result is a token, so
 * llama.cpp never falls back to bytes. The vocabulary does not depend on the model's seed.
 */
import { COMMON_PIECES, COMMON_SYMBOLS, COMMON_WORDS } from './tokenizer-words.ts';

/** llama_token_type as stored in `tokenizer.ggml.token_type`. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest map above 255. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  for (const b of printable) map[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) map[b] = String.fromCharCode(256 + n++);
  }
  return map;
}

/** The 256 byte symbols in GPT-2's token order: printable bytes first, then the others. */
function byteSymbolsInOrder(map: readonly string[]): string[] {
  return map
    .map((ch, b) => ({ ch, b }))
    .sort((x, y) => (x.ch.codePointAt(0) as number) - (y.ch.codePointAt(0) as number))
    .map((x) => x.ch);
}

const BYTE_MAP = bytesToUnicode();

/** Text to GPT-2 byte symbols (one UTF-16 code unit per byte; all are in the BMP). */
export function byteEncode(text: string): string {
  let s = '';
  for (const b of Buffer.from(text, 'utf8')) s += BYTE_MAP[b];
  return s;
}

/** GPT-2 byte symbols back to bytes (the inverse of byteEncode). */
export function byteDecodeBytes(symbols: string): Buffer {
  const bytes: number[] = [];
  for (const ch of symbols) {
    const b = BYTE_MAP.indexOf(ch);
    if (b < 0) throw new Error(`${JSON.stringify(ch)} is not a GPT-2 byte symbol`);
    bytes.push(b);
  }
  return Buffer.from(bytes);
}

/** GPT-2 byte symbols back to text. */
export function byteDecode(symbols: string): string {
  return byteDecodeBytes(symbols).toString('utf8');
}

/** llama.cpp's LLAMA_VOCAB_PRE_TYPE_QWEN2 regex (src/llama-vocab.cpp), in JavaScript syntax. */
export const QWEN2_PRETOKENIZER =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export function pretokenize(text: string): string[] {
  return text.match(QWEN2_PRETOKENIZER) ?? [];
}

/** Qwen2.5's added tokens, in id order after the regular vocabulary. */
export const QWEN_SPECIAL_TOKENS: ReadonlyArray<readonly [string, number]> = [
  ['<|endoftext|>', TokenType.CONTROL],
  ['<|im_start|>', TokenType.CONTROL],
  ['<|im_end|>', TokenType.CONTROL],
  ['<|object_ref_start|>', TokenType.CONTROL],
  ['<|object_ref_end|>', TokenType.CONTROL],
  ['<|box_start|>', TokenType.CONTROL],
  ['<|box_end|>', TokenType.CONTROL],
  ['<|quad_start|>', TokenType.CONTROL],
  ['<|quad_end|>', TokenType.CONTROL],
  ['<|vision_start|>', TokenType.CONTROL],
  ['<|vision_end|>', TokenType.CONTROL],
  ['<|vision_pad|>', TokenType.CONTROL],
  ['<|image_pad|>', TokenType.CONTROL],
  ['<|video_pad|>', TokenType.CONTROL],
  ['<tool_call>', TokenType.USER_DEFINED],
  ['</tool_call>', TokenType.USER_DEFINED],
  ['<|fim_prefix|>', TokenType.CONTROL],
  ['<|fim_middle|>', TokenType.CONTROL],
  ['<|fim_suffix|>', TokenType.CONTROL],
  ['<|fim_pad|>', TokenType.CONTROL],
  ['<|repo_name|>', TokenType.CONTROL],
  ['<|file_sep|>', TokenType.CONTROL],
];

/** A ChatML template like Qwen2.5's, without its tool-calling branches. */
export const CHATML_TEMPLATE =
  "{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif %}" +
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Byte-level BPE: the merges so far and the tokens they make. */
export class Bpe {
  readonly tokens: string[] = [];
  readonly merges: string[] = [];
  readonly #ids = new Map<string, number>();
  readonly #ranks = new Map<string, number>();

  constructor() {
    for (const ch of byteSymbolsInOrder(BYTE_MAP)) this.#addToken(ch);
  }

  #addToken(text: string): void {
    if (this.#ids.has(text)) return;
    this.#ids.set(text, this.tokens.length);
    this.tokens.push(text);
  }

  idOf(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** Byte symbols to pieces: repeatedly merge the lowest-ranked adjacent pair, leftmost first. */
  encodeSymbols(symbols: string): string[] {
    const pieces = symbols.split('');
    for (;;) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < pieces.length; i++) {
        const rank = this.#ranks.get(`${pieces[i]} ${pieces[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) return pieces;
      pieces.splice(best, 2, `${pieces[best]}${pieces[best + 1]}`);
    }
  }

  /** Token ids of `text` as llama.cpp's qwen2 BPE tokenizer encodes it (no special tokens). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const word of pretokenize(text)) {
      for (const piece of this.encodeSymbols(byteEncode(word))) {
        const id = this.#ids.get(piece);
        if (id === undefined) throw new Error(`piece ${piece} is not a token`);
        ids.push(id);
      }
    }
    return ids;
  }

  /**
   * Adds merges until `symbols` (byte-encoded) is a single token, or the vocabulary has `limit`
   * tokens. Returns false once the limit is reached.
   */
  learn(symbols: string, limit: number): boolean {
    for (;;) {
      if (this.tokens.length >= limit) return false;
      const pieces = this.encodeSymbols(symbols);
      if (pieces.length < 2) return true;
      const [a, b] = pieces as [string, string];
      this.#ranks.set(`${a} ${b}`, this.merges.length);
      this.merges.push(`${a} ${b}`);
      this.#addToken(a + b);
    }
  }
}

/** Deterministic made-up words from syllables (the filler that brings a vocabulary to size). */
function* syllableWords(): Generator<string> {
  const onsets = ' b c d f g h j k l m n p r s t v w z'.split(' ');
  const clusters = 'bl br ch cl cr dr fl fr gr pl pr sh sl sp st tr'.split(' ');
  const vowels = 'a e i o u ai ea ee oo ou'.split(' ');
  const codas = ' n r s t l m nd nt st ck ng'.split(' ');
  const all = [...onsets, ...clusters];
  // xorshift32 with a fixed seed: the vocabulary is the same for every model seed.
  let x = 0x9e3779b9;
  const next = (n: number): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
  const pick = <T>(list: readonly T[]): T => list[next(list.length)] as T;
  for (;;) {
    const syllables = 1 + next(3);
    let w = '';
    for (let i = 0; i < syllables; i++)
      w += pick(all) + pick(vowels) + (i === syllables - 1 ? pick(codas) : '');
    yield w;
  }
}

export interface Vocabulary {
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
  /** Ids of the regular (BPE) tokens end here; special tokens follow, then padding. */
  regularCount: number;
  bosId: number;
  eosId: number;
  padId: number;
  bpe: Bpe;
}

/**
 * A vocabulary of exactly `size` tokens: `size - padding - 22` regular tokens, Qwen2.5's 22
 * special tokens, then `padding` unused `[PAD<id>]` tokens (Qwen2.5's embedding has 151936 rows
 * for 151665 tokens).
 */
export function buildVocabulary(size: number, padding = 0): Vocabulary {
  const regularCount = size - padding - QWEN_SPECIAL_TOKENS.length;
  if (!Number.isInteger(regularCount) || regularCount < 512) {
    throw new Error(`a vocabulary of ${size} tokens with ${padding} padding is too small (at least 534)`);
  }
  const bpe = new Bpe();
  const capitalize = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  const words = [...new Set(COMMON_WORDS.map((w) => (w === 'i' ? 'I' : w)))];
  const targets: string[] = [];
  for (const w of words) targets.push(w, ` ${w}`);
  for (const p of COMMON_PIECES) targets.push(p);
  for (const s of COMMON_SYMBOLS) targets.push(s);
  for (const w of words.slice(0, 300)) targets.push(capitalize(w), ` ${capitalize(w)}`);
  for (const d of '0123456789') targets.push(` ${d}`);
  let room = true;
  for (const t of targets) {
    room = bpe.learn(byteEncode(t), regularCount);
    if (!room) break;
  }
  if (room) {
    for (const w of syllableWords()) {
      if (!bpe.learn(byteEncode(` ${w}`), regularCount)) break;
    }
  }
  const tokens = [...bpe.tokens];
  const tokenTypes: number[] = tokens.map(() => TokenType.NORMAL);
  for (const [text, type] of QWEN_SPECIAL_TOKENS) {
    tokens.push(text);
    tokenTypes.push(type);
  }
  while (tokens.length < size) {
    tokens.push(`[PAD${tokens.length}]`);
    tokenTypes.push(TokenType.UNUSED);
  }
  const idOf = (t: string): number => tokens.indexOf(t, regularCount);
  return {
    tokens,
    tokenTypes,
    merges: bpe.merges,
    regularCount,
    bosId: idOf('<|endoftext|>'),
    eosId: idOf('<|im_end|>'),
    padId: idOf('<|endoftext|>'),
    bpe,
  };
}

/**
 * Tokens a trained model never emits, which a random model would: the 128 byte tokens of bytes
 * 0x80-0xFF (alone they are invalid UTF-8; llama-server rejects a completion whose text does not
 * decode, "does not match the expected Content-only format"), the control and tool-call tokens
 * other than the end-of-text ones, and the unused padding. `random-gguf.ts` gives them a large
 * negative output bias. The end-of-generation tokens stay possible (a request sets ignore_eos).
 */
export function suppressedTokens(vocab: Vocabulary): boolean[] {
  const eog = new Set(['<|endoftext|>', '<|im_end|>']);
  return vocab.tokens.map((text, id) => {
    if (vocab.tokenTypes[id] !== TokenType.NORMAL) return !eog.has(text);
    return text.length === 1 && BYTE_MAP.indexOf(text) >= 0x80;
  });
}

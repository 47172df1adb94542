import { mix } from './hash.ts';

/** Words of at most 8 letters, so each " word" is exactly one token of our tokenizer. */
const WORDS = (
  'the of and to in is that it for as with was on be by this are at from or an have not which but ' +
  'they you one all were can there their has more will if would about when so what some other into ' +
  'time only these may than then its also two any first new because very just model token server ' +
  'request batch memory cache engine kernel latency through between output input stream prompt layer ' +
  'weights compute queue system simple result value number example small large fast slow data'
).split(' ');

/** A full stop every this many tokens keeps the text readable. */
const SENTENCE = 13;

/**
 * Deterministic output text: token i of a request depends only on the simulator seed, a hash of
 * the prompt and i, like greedy decoding would. Every token is one piece of the tokenizer.
 */
export class TextGenerator {
  readonly #seed: number;

  constructor(seed: number) {
    this.#seed = seed >>> 0;
  }

  token(promptHash: number, index: number): string {
    if (index % SENTENCE === SENTENCE - 1) return '.';
    return ` ${WORDS[mix(this.#seed, promptHash, index) % WORDS.length]}`;
  }

  text(promptHash: number, from: number, count: number): string {
    let s = '';
    for (let i = from; i < from + count; i++) s += this.token(promptHash, i);
    return s;
  }

  /**
   * Where the model would emit EOS for this prompt: log-normal around 120 tokens (ShareGPT-like
   * answers), at least 1.
   */
  naturalLength(promptHash: number): number {
    const u1 = (mix(this.#seed, promptHash, 0x5eed) + 1) / 4294967297;
    const u2 = mix(this.#seed, promptHash, 0xe05) / 4294967296;
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(1, Math.round(Math.exp(Math.log(120) + 0.8 * normal)));
  }
}

import { hashString } from './hash.ts';

/**
 * A deliberately simple tokenizer: special tokens like `<|im_start|>`, runs of up to 8 letters or
 * digits (with one leading space), single other characters (with one leading space), single
 * whitespace characters. Every character belongs to exactly one piece, so counts are exact and
 * the same everywhere (/tokenize, usage, streamed text re-tokenized). Real BPE differs; only
 * self-consistency matters for the simulator.
 */
const PIECE = /<\|[a-z_]+\|>| ?[\p{L}\p{N}]{1,8}| ?[^\s\p{L}\p{N}]|\s/gu;

/** IDs below this are kept for special tokens. */
const FIRST_ORDINARY_ID = 256;

export class Tokenizer {
  readonly vocabSize: number;

  constructor(vocabSize: number) {
    this.vocabSize = vocabSize;
  }

  pieces(text: string): string[] {
    return text.match(PIECE) ?? [];
  }

  count(text: string): number {
    let n = 0;
    PIECE.lastIndex = 0;
    while (PIECE.exec(text) !== null) n++;
    return n;
  }

  idOf(piece: string): number {
    const span = this.vocabSize - FIRST_ORDINARY_ID;
    if (piece.startsWith('<|')) return hashString(piece) % FIRST_ORDINARY_ID;
    return FIRST_ORDINARY_ID + (hashString(piece) % span);
  }

  encode(text: string): number[] {
    return this.pieces(text).map((p) => this.idOf(p));
  }
}

import { RequestFailure, requestFailure } from '../../core/errors.ts';
import { excerpt } from './excerpt.ts';

/** Token counts of an OpenAI `usage` object, checked: each a non-negative integer when present. */
export interface Usage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
}

const countKeys = ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const;

const invalid = (message: string) => new RequestFailure(requestFailure.invalidAnswer, message);
const show = (value: unknown) => excerpt(JSON.stringify(value) ?? String(value), 60);

/**
 * Checks that one streamed answer is possible, event by event and at its end, so an impossible
 * one is a failed request (SB_INVALID_ANSWER) instead of numbers in a result: token counts are
 * non-negative integers; total_tokens = prompt_tokens + completion_tokens; prompt_tokens stays
 * the same within an answer; the running completion_tokens of continuous usage never goes down,
 * and the final count covers every token the stream carried; and at least one choice carries
 * content or a finish_reason.
 */
export class AnswerCheck {
  private answered = false;
  private contentChunks = 0;
  private completionSoFar = 0;
  private promptTokens: number | null = null;

  /** The event's `usage`, checked; null when it has none. */
  usage(value: unknown): Usage | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value))
      throw invalid(`usage is ${show(value)}, not an object`);
    const usage = value as Record<string, unknown>;
    for (const key of countKeys) {
      const n = usage[key];
      if (n === undefined || n === null) continue;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw invalid(`usage.${key} is ${show(n)}: a token count is a non-negative integer`);
      }
    }
    const { prompt_tokens: p, completion_tokens: c, total_tokens: t } = usage as Usage;
    if (p != null && c != null && t != null && t !== p + c) {
      throw invalid(
        `usage.total_tokens is ${t}, but prompt_tokens + completion_tokens is ${p} + ${c} = ${p + c}`,
      );
    }
    if (p != null) {
      if (this.promptTokens !== null && p !== this.promptTokens) {
        throw invalid(`usage.prompt_tokens changed within one answer, from ${this.promptTokens} to ${p}`);
      }
      this.promptTokens = p;
    }
    if (c != null && c < this.completionSoFar) {
      throw invalid(
        `usage.completion_tokens went down within one answer, from ${this.completionSoFar} to ${c}`,
      );
    }
    return usage as Usage;
  }

  /** The event's `choices`, checked to be a list; null when it has none. */
  choices(value: unknown): unknown[] | null {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) throw invalid(`choices is ${show(value)}, not a list`);
    return value;
  }

  /** The text a choice carries ('' for none), noting whether it answers (content or a finish_reason). */
  choice(value: unknown): string {
    if (typeof value !== 'object' || value === null)
      throw invalid(`a choice is ${show(value)}, not an object`);
    const choice = value as {
      text?: unknown;
      delta?: { content?: unknown; reasoning_content?: unknown } | null;
      finish_reason?: unknown;
    };
    const text = choice.text ?? choice.delta?.content ?? choice.delta?.reasoning_content ?? '';
    if (typeof text !== 'string') throw invalid(`a choice's text is ${show(text)}, not a string`);
    if (text !== '') this.contentChunks++;
    if (text !== '' || (choice.finish_reason !== undefined && choice.finish_reason !== null))
      this.answered = true;
    return text;
  }

  /** Tokens a chunk added, by continuous usage: the rise of completion_tokens (checked not to fall). */
  newTokens(completionTokens: number): number {
    const added = completionTokens - this.completionSoFar;
    this.completionSoFar = completionTokens;
    return added;
  }

  /** The checks of a whole answer, once its stream ended cleanly with usage; null when it holds up. */
  finalCheck(outputTokens: number, chunkTokens: readonly number[]): RequestFailure | null {
    if (!this.answered) {
      return invalid(
        'the stream carried no choice with content or a finish_reason: there is no answer in it',
      );
    }
    let carried = 0;
    for (const n of chunkTokens) carried += n;
    if (outputTokens < carried) {
      return invalid(
        `usage.completion_tokens is ${outputTokens}, but the stream carried ${carried} tokens (${this.contentChunks} chunks with text)`,
      );
    }
    return null;
  }
}

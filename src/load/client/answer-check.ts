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
 *
 * It also counts the tokens of each content chunk (chunkTokens), so the two stay one rule.
 */
export class AnswerCheck {
  private answered = false;
  private contentChunks = 0;
  /** The highest completion_tokens seen in any usage of this answer. */
  private completionSeen = 0;
  /** Tokens credited to content chunks so far. */
  private credited = 0;
  /** Whether the first content chunk carried a usage: continuous usage (vLLM's continuous_usage_stats). */
  private continuous = false;
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
    if (c != null) {
      if (c < this.completionSeen) {
        throw invalid(
          `usage.completion_tokens went down within one answer, from ${this.completionSeen} to ${c}`,
        );
      }
      this.completionSeen = c;
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

  /**
   * Output tokens a chunk with text carries (call it after `choice` returned non-empty text, with
   * the same event's checked usage). Tokens are counted from what each content chunk carries, never
   * from a usage-only or empty-text chunk (where llama.cpp and OpenAI put the final usage): with
   * continuous usage (the first content chunk carried one) the rise of completion_tokens since the
   * last content chunk, so tokens that produced no text yet arrive with the next text; otherwise 1.
   * The sum over an answer is then at most its final completion_tokens.
   */
  chunkTokens(usage: Usage | null): number {
    const running = usage?.completion_tokens;
    if (this.contentChunks === 1) this.continuous = running != null;
    if (!this.continuous || running == null) {
      this.credited += 1;
      return 1;
    }
    const added = Math.max(0, running - this.credited);
    this.credited = Math.max(this.credited, running);
    return added;
  }

  /**
   * The checks of a whole answer, once its stream ended cleanly; null when it holds up.
   * `outputTokens` is the usage's completion_tokens, null when the stream carried none.
   */
  finalCheck(outputTokens: number | null, chunkTokens: readonly number[]): RequestFailure | null {
    if (!this.answered) {
      return invalid(
        'the stream carried no choice with content or a finish_reason: there is no answer in it',
      );
    }
    let carried = 0;
    for (const n of chunkTokens) carried += n;
    if (outputTokens !== null && outputTokens < carried) {
      return invalid(
        `usage.completion_tokens is ${outputTokens}, but the stream carried ${carried} tokens (${this.contentChunks} chunks with text)`,
      );
    }
    return null;
  }
}

/** Token counts as OpenAI's `usage` object. */
export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
}

export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/**
 * Builds the SSE events of one response in vLLM's exact shapes, with the constant parts
 * serialised once (this runs for every token of every stream).
 */
export class ChunkFormat {
  readonly #head: string;
  readonly #chat: boolean;
  readonly #tail: string;

  constructor(kind: 'completion' | 'chat', id: string, created: number, model: string) {
    this.#chat = kind === 'chat';
    const object = this.#chat ? 'chat.completion.chunk' : 'text_completion';
    this.#head = `data: {"id":${JSON.stringify(id)},"object":"${object}","created":${created},"model":${JSON.stringify(model)}`;
    this.#tail = '\n\n';
  }

  /** The chat stream's first event: the assistant role, no content. */
  role(usage: Usage | null): string {
    const u = usage ? `,"usage":${JSON.stringify(usage)}` : '';
    return `${this.#head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${u}}${this.#tail}`;
  }

  token(text: string, finishReason: string | null, usage: Usage | null): string {
    const fr = finishReason === null ? 'null' : `"${finishReason}"`;
    const u = usage ? `,"usage":${JSON.stringify(usage)}` : '';
    const t = JSON.stringify(text);
    const choice = this.#chat
      ? `{"index":0,"delta":{"content":${t}},"logprobs":null,"finish_reason":${fr},"stop_reason":null}`
      : `{"index":0,"text":${t},"logprobs":null,"finish_reason":${fr},"stop_reason":null}`;
    return `${this.#head},"choices":[${choice}]${u}}${this.#tail}`;
  }

  /** stream_options.include_usage: a last event with no choices and the totals. */
  usage(usage: Usage): string {
    return `${this.#head},"choices":[],"usage":${JSON.stringify(usage)}}${this.#tail}`;
  }

  /** Fault injection: an event whose JSON is cut off. */
  malformed(): string {
    return `${this.#head},"choices":[{"index":0,${this.#tail}`;
  }

  static readonly done = 'data: [DONE]\n\n';
}

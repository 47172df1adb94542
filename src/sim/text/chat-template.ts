/** Chat messages as OpenAI clients send them: content is a string or a list of text parts. */
export interface ChatMessage {
  readonly role: string;
  readonly content?: string | readonly { readonly type: string; readonly text?: string }[] | null;
}

function contentText(message: ChatMessage): string {
  const c = message.content;
  if (c == null) return '';
  if (typeof c === 'string') return c;
  return c.map((part) => part.text ?? '').join('');
}

/** Qwen2.5's default system prompt, which its template inserts when none is given. */
const QWEN_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';

/** Renders messages with the model family's chat template, generation prompt included. */
export function renderChat(
  template: 'chatml' | 'llama3',
  messages: readonly ChatMessage[],
  addGenerationPrompt = true,
): string {
  if (template === 'chatml') {
    const all =
      messages[0]?.role === 'system' ? messages : [{ role: 'system', content: QWEN_SYSTEM }, ...messages];
    let text = '';
    for (const m of all) text += `<|im_start|>${m.role}\n${contentText(m)}<|im_end|>\n`;
    return addGenerationPrompt ? `${text}<|im_start|>assistant\n` : text;
  }
  let text = '<|begin_of_text|>';
  for (const m of messages)
    text += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${contentText(m)}<|eot_id|>`;
  return addGenerationPrompt ? `${text}<|start_header_id|>assistant<|end_header_id|>\n\n` : text;
}

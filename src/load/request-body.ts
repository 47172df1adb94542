import type { LoadProfile } from '../config/load-profile.ts';
import { ConfigError } from '../core/errors.ts';
import type { SampledRequest } from '../datasets/types.ts';

/** Whether requests go to a chat endpoint, which takes text only (messages), never token IDs. */
export const isChatEndpoint = (endpoint: string) => endpoint.includes('chat');

/**
 * The JSON body of one streaming request, as vLLM bench sends it (greedy, exact lengths). A chat
 * request's prompt must be text (runLoad turns token IDs into text first: datasets/text-prompts.ts);
 * completions send token IDs as they are.
 */
export function buildRequestBody(profile: LoadProfile, model: string, sample: SampledRequest): string {
  const chat = isChatEndpoint(profile.endpoint);
  if (chat && typeof sample.prompt !== 'string') {
    // Token IDs joined as decimal text would be ~6x the tokens asked for: never send them so.
    throw new ConfigError(
      `a chat request (${profile.endpoint}) got a token-ID prompt of ${sample.prompt.length} tokens; chat messages take text only`,
      'Give the chat endpoint text prompts, or send token IDs to /v1/completions (runLoad turns dataset token IDs into text itself).',
    );
  }
  const streamOptions = profile.continuousUsageStats
    ? { include_usage: true, continuous_usage_stats: true }
    : { include_usage: true };
  const prompt = chat
    ? {
        messages: [{ role: 'user', content: sample.prompt }],
      }
    : { prompt: sample.prompt };
  return JSON.stringify({
    model,
    ...prompt,
    max_tokens: sample.maxTokens,
    temperature: 0,
    stream: true,
    stream_options: streamOptions,
    ...(profile.ignoreEos ? { ignore_eos: true } : {}),
    ...profile.extraBody,
  });
}

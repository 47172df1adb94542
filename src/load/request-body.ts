import type { LoadProfile } from '../config/load-profile.ts';
import type { SampledRequest } from '../datasets/types.ts';

/** The JSON body of one streaming request, as vLLM bench sends it (greedy, exact lengths). */
export function buildRequestBody(profile: LoadProfile, model: string, sample: SampledRequest): string {
  const chat = profile.endpoint.includes('chat');
  const streamOptions = profile.continuousUsageStats
    ? { include_usage: true, continuous_usage_stats: true }
    : { include_usage: true };
  const prompt = chat
    ? {
        messages: [
          { role: 'user', content: Array.isArray(sample.prompt) ? sample.prompt.join(' ') : sample.prompt },
        ],
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

import { z } from 'zod';

const streamOptions = z
  .object({
    include_usage: z.boolean().nullish(),
    /** vLLM extension: usage in every chunk. */
    continuous_usage_stats: z.boolean().nullish(),
  })
  .nullish();

/** Fields both generation endpoints share; unknown sampling fields are accepted and ignored. */
const common = {
  model: z.string().nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  min_tokens: z.number().int().min(0).nullish(),
  n: z.literal(1, { message: 'the simulator supports n=1 only' }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: streamOptions,
  ignore_eos: z.boolean().nullish(),
  temperature: z.number().min(0).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
};

const tokenIds = z.array(z.number().int().min(0));

export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([
    z.string(),
    tokenIds.min(1),
    z.array(z.string()).length(1, { message: 'the simulator takes one prompt per request' }),
    z.array(tokenIds.min(1)).length(1, { message: 'the simulator takes one prompt per request' }),
  ]),
  echo: z.literal(false).nullish(),
});

const messageSchema = z.looseObject({
  role: z.string(),
  content: z
    .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))])
    .nullish(),
});

export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z.array(messageSchema).min(1),
  max_completion_tokens: z.number().int().min(1).nullish(),
});

export const tokenizeRequestSchema = z.union([
  z.looseObject({
    model: z.string().nullish(),
    prompt: z.string(),
    add_special_tokens: z.boolean().nullish(),
  }),
  z.looseObject({
    model: z.string().nullish(),
    messages: z.array(messageSchema).min(1),
    add_generation_prompt: z.boolean().nullish(),
  }),
]);

export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * llama-server's /metrics page (`--metrics`), byte for byte as
 * tools/server/server-task.cpp `server_task_result_metrics::to_metrics` writes it: HELP, TYPE and
 * one unlabelled sample per metric, counters first, values through a default C++ ostream.
 */
export interface LlamaCppCounters {
  prompt_tokens_total: number;
  prompt_tokens_cached_total: number;
  prompt_seconds_total: number;
  tokens_predicted_total: number;
  tokens_predicted_seconds_total: number;
  n_decode_total: number;
  n_tokens_max: number;
  spec_decode_num_draft_tokens_total: number;
  spec_decode_num_accepted_tokens_total: number;
  spec_decode_num_drafts_total: number;
}

export interface LlamaCppGauges {
  prompt_tokens_seconds: number;
  predicted_tokens_seconds: number;
  requests_processing: number;
  requests_deferred: number;
  n_busy_slots_per_decode: number;
}

export type LlamaCppState = LlamaCppCounters & LlamaCppGauges;

const HELP: Record<keyof LlamaCppState, string> = {
  prompt_tokens_total: 'Number of prompt tokens processed, excluding cached tokens',
  prompt_tokens_cached_total: 'Number of prompt tokens reused from the cache',
  prompt_seconds_total: 'Total time spent processing prompts',
  tokens_predicted_total: 'Number of generation tokens processed',
  tokens_predicted_seconds_total: 'Total time spent generating tokens',
  n_decode_total:
    'Total number of llama_decode() calls, excluding speculative decoding and multimodal decoding',
  n_tokens_max: 'Largest observed sequence length (prompt + generation)',
  spec_decode_num_draft_tokens_total: 'Speculative: Total draft tokens generated',
  spec_decode_num_accepted_tokens_total: 'Speculative: Total draft tokens accepted by the target model',
  spec_decode_num_drafts_total: 'Speculative: Total speculative decoding verification steps',
  prompt_tokens_seconds: 'Average prompt throughput in tokens/s',
  predicted_tokens_seconds: 'Average generation throughput in tokens/s',
  requests_processing: 'Number of requests processing',
  requests_deferred: 'Number of requests deferred',
  n_busy_slots_per_decode: 'Average number of busy slots per llama_decode() call',
};

const COUNTERS: Array<keyof LlamaCppCounters> = [
  'prompt_tokens_total',
  'prompt_tokens_cached_total',
  'prompt_seconds_total',
  'tokens_predicted_total',
  'tokens_predicted_seconds_total',
  'n_decode_total',
  'n_tokens_max',
  'spec_decode_num_draft_tokens_total',
  'spec_decode_num_accepted_tokens_total',
  'spec_decode_num_drafts_total',
];
const GAUGES: Array<keyof LlamaCppGauges> = [
  'prompt_tokens_seconds',
  'predicted_tokens_seconds',
  'requests_processing',
  'requests_deferred',
  'n_busy_slots_per_decode',
];

export const idleLlamaCpp = (): LlamaCppState => ({
  ...(Object.fromEntries(COUNTERS.map((k) => [k, 0])) as unknown as LlamaCppCounters),
  ...(Object.fromEntries(GAUGES.map((k) => [k, 0])) as unknown as LlamaCppGauges),
});

/** A double as `std::ostream << double` writes it: %g with 6 significant digits (1.23457e+06). */
export function cppDouble(v: number): string {
  if (v === 0) return '0';
  const [mantissa = '', exponent = '0'] = v.toExponential(5).split('e');
  const exp = Number(exponent);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return trim(v.toFixed(Math.max(0, 5 - exp)));
}

export function llamaCppMetricsText(state: LlamaCppState): string {
  const lines: string[] = [];
  const add = (type: string, keys: Array<keyof LlamaCppState>) => {
    for (const k of keys) {
      lines.push(
        `# HELP llamacpp:${k} ${HELP[k]}`,
        `# TYPE llamacpp:${k} ${type}`,
        `llamacpp:${k} ${cppDouble(state[k])}`,
      );
    }
  };
  add('counter', COUNTERS);
  add('gauge', GAUGES);
  return `${lines.join('\n')}\n`;
}

/**
 * A loopback server answering GET /metrics like llama-server: the page of `state` (change it
 * between scrapes), or with `metrics: false` llama-server's 501 for a server started without
 * `--metrics`, or with `apiKey` its 401 to a scrape without `Authorization: Bearer <key>`. Every
 * other path is 404.
 */
export async function startLlamaCppMetricsServer(
  options: { metrics?: boolean; apiKey?: string } = {},
): Promise<{ url: string; state: LlamaCppState; scrapes: () => number; close: () => Promise<void> }> {
  const state = idleLlamaCpp();
  let scrapes = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"code":404,"message":"File Not Found","type":"not_found_error"}}');
      return;
    }
    scrapes++;
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      res
        .writeHead(401, { 'content-type': 'application/json; charset=utf-8' })
        .end('{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}');
      return;
    }
    if (options.metrics === false) {
      res.writeHead(501, { 'content-type': 'application/json; charset=utf-8' }).end(
        JSON.stringify({
          error: {
            code: 501,
            message: 'This server does not support metrics endpoint. Start it with `--metrics`',
            type: 'not_supported_error',
          },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(llamaCppMetricsText(state));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    scrapes: () => scrapes,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

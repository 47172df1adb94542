import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

/**
 * The loopback server of the client-capacity benchmark: a lean OpenAI-compatible
 * `/v1/completions` streamer written on raw `node:net`, so that one process can emit well over
 * 100k chunks/s and the clients, not the server, are what the benchmark measures.
 *
 * Per request: chunk j (0-based) is written at request arrival + j * itl (absolute schedule, so
 * timer slack never accumulates), stamped with `sent_at` = wall clock ms just before the write.
 * Every stamp is also logged in memory under the request's prompt (the benchmark sends a unique
 * prompt per request), so a client that does not parse `sent_at` itself (ours: the product's
 * `sendStream` only keeps arrival times) can fetch the stamps afterwards and pair them by chunk
 * index. TCP keeps chunks in order, so the i-th arrival is the i-th stamp.
 *
 * Endpoints: POST /v1/completions (stream: true; body fields model, prompt, max_tokens,
 * stream_options.include_usage), GET /health, GET /stamps (the log since the last reset, JSON
 * `{prompt: [sent_at, ...]}`), GET /stats, POST /reset.
 *
 * `node bench/stamp-server.ts --port 0 --itl-ms 10` prints `stamp server listening on http://127.0.0.1:PORT`.
 * It exits after --max-lifetime-s, or when its stdin closes with --exit-on-stdin-close (the parent died).
 */

const MAX_TOKENS_CAP = 100_000;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;

interface Stats {
  /** Connections accepted (a client that reuses connections opens one per stream). */
  connections: number;
  requests: number;
  chunks: number;
  /** Chunks written more than 1 ms after their scheduled time: the server fell behind. */
  lateChunks: number;
  /** Chunks whose stamping, formatting and write took over 0.5 ms (a pause inside the server). */
  slowWrites: number;
  /** CPU time (user + system) this process used since the last reset. */
  cpuMs: number;
}

export function startStampServer(itlMs: number, port: number): Promise<{ url: string; close(): void }> {
  const stamps = new Map<string, { at: Float64Array; count: number }>();
  const stats: Stats = { connections: 0, requests: 0, chunks: 0, lateChunks: 0, slowWrites: 0, cpuMs: 0 };
  let cpuAtReset = process.cpuUsage();
  const created = Math.floor(Date.now() / 1000);

  const server = createServer((socket) => {
    socket.setNoDelay(true);
    stats.connections++;
    let pending: Buffer | null = null;
    let busy = false;

    const respond = (status: number, contentType: string, body: string) => {
      socket.write(
        `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Error'}\r\ncontent-type: ${contentType}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };

    const stream = (prompt: string, maxTokens: number, includeUsage: boolean, model: string) => {
      busy = true;
      stats.requests++;
      // Preallocated, so logging allocates nothing per chunk (keeps the server's GC quiet).
      const log = { at: new Float64Array(maxTokens), count: 0 };
      stamps.set(prompt, log);
      const id = JSON.stringify(`cmpl-${prompt}`);
      const head = `{"id":${id},"object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"text":" tok","logprobs":null,`;
      const middle = `"finish_reason":null,"stop_reason":null}],"sent_at":`;
      const last = `"finish_reason":"length","stop_reason":null}],"sent_at":`;
      // Chunked framing needs byte lengths; only `head` can hold non-ASCII (prompt, model).
      const extraBytes = Buffer.byteLength(head) - head.length;
      const frame = (payload: string, bytes = payload.length + extraBytes) =>
        `${bytes.toString(16)}\r\n${payload}\r\n`;
      const start = performance.now();
      let j = 0;
      const tick = () => {
        if (socket.destroyed) return;
        const nowMs = performance.now();
        if (nowMs - (start + j * itlMs) > 1) stats.lateChunks++;
        const sentAt = performance.timeOrigin + nowMs;
        const isLast = j === maxTokens - 1;
        let out = frame(`data: ${head}${isLast ? last : middle}${sentAt}}\n\n`);
        if (j === 0) {
          out = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n${out}`;
        }
        log.at[log.count++] = sentAt;
        stats.chunks++;
        j++;
        if (isLast) {
          if (includeUsage) {
            const usage = `data: {"id":${id},"object":"text_completion","created":${created},"model":${JSON.stringify(model)},"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":${maxTokens},"total_tokens":${maxTokens + 1}}}\n\n`;
            out += frame(usage, Buffer.byteLength(usage));
          }
          out += `${frame('data: [DONE]\n\n', 14)}0\r\n\r\n`;
          socket.write(out);
          if (performance.now() - nowMs > 0.5) stats.slowWrites++;
          busy = false;
          drain();
          return;
        }
        socket.write(out);
        if (performance.now() - nowMs > 0.5) stats.slowWrites++;
        const wait = start + j * itlMs - performance.now();
        // Whole milliseconds keep Node's timer lists few (one per distinct duration).
        setTimeout(tick, Math.max(1, Math.round(wait)));
      };
      tick();
    };

    const handle = (method: string, path: string, body: string) => {
      if (method === 'GET' && path === '/health') return respond(200, 'text/plain', 'ok');
      if (method === 'GET' && path === '/stats') {
        const used = process.cpuUsage(cpuAtReset);
        stats.cpuMs = (used.user + used.system) / 1000;
        return respond(200, 'application/json', JSON.stringify(stats));
      }
      if (method === 'GET' && path === '/stamps') {
        const out: Record<string, number[]> = {};
        for (const [prompt, log] of stamps) out[prompt] = Array.from(log.at.subarray(0, log.count));
        return respond(200, 'application/json', JSON.stringify(out));
      }
      if (method === 'POST' && path === '/reset') {
        stamps.clear();
        stats.connections = 0;
        stats.requests = 0;
        stats.chunks = 0;
        stats.lateChunks = 0;
        stats.slowWrites = 0;
        cpuAtReset = process.cpuUsage();
        return respond(200, 'text/plain', 'ok');
      }
      if (method === 'POST' && path === '/v1/completions') {
        let request: { prompt?: unknown; max_tokens?: unknown; model?: unknown; stream_options?: unknown };
        try {
          request = JSON.parse(body);
        } catch {
          return respond(400, 'application/json', '{"error":{"message":"body is not JSON","code":400}}');
        }
        const maxTokens = Math.min(MAX_TOKENS_CAP, Math.max(1, Math.floor(Number(request.max_tokens ?? 16))));
        const options = (request.stream_options ?? {}) as { include_usage?: boolean };
        return stream(
          String(request.prompt ?? ''),
          maxTokens,
          options.include_usage === true,
          String(request.model ?? 'm'),
        );
      }
      respond(404, 'application/json', `{"error":{"message":"no route ${method} ${path}","code":404}}`);
    };

    /** Parses every complete request in `pending`; one response at a time per connection. */
    const drain = () => {
      while (!busy && pending !== null) {
        const headerEnd = pending.indexOf('\r\n\r\n');
        if (headerEnd === -1) {
          if (pending.length > MAX_HEADER_BYTES) socket.destroy();
          return;
        }
        const header = pending.toString('latin1', 0, headerEnd);
        const match = /\r\ncontent-length:\s*(\d+)/i.exec(header);
        const length = match ? Number(match[1]) : 0;
        if (length > MAX_BODY_BYTES) return void socket.destroy();
        const total = headerEnd + 4 + length;
        if (pending.length < total) return;
        const body = pending.toString('utf8', headerEnd + 4, total);
        pending = pending.length === total ? null : pending.subarray(total);
        const [method = '', path = ''] = header.slice(0, header.indexOf('\r\n')).split(' ');
        handle(method, path, body);
      }
    };

    socket.on('data', (data: Buffer) => {
      pending = pending === null ? data : Buffer.concat([pending, data]);
      drain();
    });
    socket.on('error', () => socket.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      const sockets = new Set<Socket>();
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      resolve({
        url: `http://127.0.0.1:${actual}`,
        close: () => {
          for (const s of sockets) s.destroy();
          server.close();
        },
      });
    });
  });
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'itl-ms': { type: 'string', default: '10' },
      'max-lifetime-s': { type: 'string', default: '900' },
      'exit-on-stdin-close': { type: 'boolean', default: false },
    },
  });
  const server = await startStampServer(Number(values['itl-ms']), Number(values.port));
  console.log(`stamp server listening on ${server.url}`);
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Never outlive the benchmark: exit when the parent closes our stdin, or after a hard limit.
  if (values['exit-on-stdin-close']) {
    process.stdin.on('end', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
  setTimeout(stop, Number(values['max-lifetime-s']) * 1000).unref();
}

/** Small fetch helpers for the simulator's tests. */

/** Parsed JSON answers, inspected with expect(); typed loosely on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: test answers are checked by expect(), not by types
type Json = any;

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers };
}

/** Reads an SSE response fully: the raw text and the `data:` payloads in order. */
export async function postStream(
  url: string,
  body: unknown,
): Promise<{ status: number; raw: string; events: string[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const raw = await res.text();
  const events = raw
    .split('\n\n')
    .filter((e) => e.length > 0)
    .map((e) => (e.startsWith('data: ') ? e.slice(6) : `!${e}`));
  return { status: res.status, raw, events };
}

/** Value of one sample line of Prometheus text (`name{labels} value`), summed over matches. */
export function metricValue(text: string, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    const bare = key.split('{')[0];
    if (bare === name && key.includes(labelFilter)) sum += Number(line.slice(space + 1));
  }
  return sum;
}

export async function getJson(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

export async function jsonOf(res: Response): Promise<Json> {
  return res.json();
}

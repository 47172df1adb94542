/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface PromSample {
  name: string;
  /** The raw label text between the braces ('' when none). */
  labels: string;
  value: number;
}

/**
 * The samples of a Prometheus text-format (0.0.4) page. Comments and lines that do not parse are
 * skipped; a trailing timestamp is not expected (the simulator writes none).
 */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space);
    const value = parsePromNumber(line.slice(space + 1));
    if (value === null) continue;
    const brace = key.indexOf('{');
    out.push(
      brace < 0
        ? { name: key, labels: '', value }
        : { name: key.slice(0, brace), labels: key.slice(brace + 1, key.lastIndexOf('}')), value },
    );
  }
  return out;
}

/** The value of one label in a sample's label text, e.g. `le` of a histogram bucket. */
export function labelValue(labels: string, name: string): string | null {
  const m = new RegExp(`(?:^|,)${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels);
  return m ? (m[1] as string) : null;
}

export function parsePromNumber(text: string): number | null {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? null : n;
}

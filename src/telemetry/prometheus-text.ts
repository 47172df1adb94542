/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface PromSample {
  name: string;
  /** The raw label text between the braces ('' when none). */
  labels: string;
  value: number;
}

/**
 * The samples of a Prometheus text-format (0.0.4) page. Comments and lines that do not parse are
 * skipped; a trailing timestamp is ignored, and so are braces and spaces inside quoted label values.
 */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) out.push(sample);
  }
  return out;
}

function parseSampleLine(line: string): PromSample | null {
  const brace = line.indexOf('{');
  const space = line.search(/[ \t]/);
  let name: string;
  let labels = '';
  let rest: string;
  if (brace >= 0 && (space < 0 || brace < space)) {
    const close = closingBrace(line, brace);
    if (close < 0) return null;
    name = line.slice(0, brace);
    labels = line.slice(brace + 1, close);
    rest = line.slice(close + 1);
  } else {
    if (space <= 0) return null;
    name = line.slice(0, space);
    rest = line.slice(space);
  }
  const [valueText, timestamp, extra] = rest.trim().split(/[ \t]+/);
  if (name === '' || valueText === undefined || extra !== undefined) return null;
  if (timestamp !== undefined && parsePromNumber(timestamp) === null) return null;
  const value = parsePromNumber(valueText);
  return value === null ? null : { name, labels, value };
}

/** The index of the `}` closing the label set that opens at `open`, skipping quoted values. */
function closingBrace(line: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '}') return i;
  }
  return -1;
}

/** The value of one label in a sample's label text, e.g. `le` of a histogram bucket. */
export function labelValue(labels: string, name: string): string | null {
  const m = new RegExp(`(?:^|,)\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`).exec(labels);
  return m ? (m[1] as string) : null;
}

export function parsePromNumber(text: string): number | null {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? null : n;
}

/**
 * A quantile (0..1) of a cumulative histogram as Prometheus's histogram_quantile computes it:
 * linear inside the bucket that holds the rank; in the +Inf bucket, the highest finite bound
 * (`beyond` is then true). `buckets` are [upper bound, cumulative count], ascending, +Inf last.
 * Null when the histogram holds no observations.
 */
export function histogramQuantile(
  buckets: ReadonlyArray<readonly [number, number]>,
  q: number,
): { value: number; beyond: boolean } | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return { value: lower, beyond: true };
      const inBucket = count - below;
      return {
        value: inBucket > 0 ? lower + ((le - lower) * (rank - below)) / inBucket : lower,
        beyond: false,
      };
    }
    lower = le;
    below = count;
  }
  return { value: lower, beyond: true };
}

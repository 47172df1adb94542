/** A minimal Prometheus text-format (0.0.4) registry: counters, gauges and histograms. */
export type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels, extra?: string): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

interface Metric {
  render(out: string[]): void;
}

export class Counter implements Metric {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  readonly name: string;
  readonly help: string;

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  value(labels: Labels): number {
    return this.#values.get(labelText(labels))?.value ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const { labels, value } of this.#values.values())
      out.push(`${this.name}${labelText(labels)} ${formatNumber(value)}`);
  }
}

export class Gauge implements Metric {
  readonly name: string;
  readonly help: string;
  readonly #collect: () => { labels: Labels; value: number }[];

  constructor(name: string, help: string, collect: () => { labels: Labels; value: number }[]) {
    this.name = name;
    this.help = help;
    this.#collect = collect;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`);
    for (const { labels, value } of this.#collect())
      out.push(`${this.name}${labelText(labels)} ${formatNumber(value)}`);
  }
}

interface Series {
  labels: Labels;
  counts: Float64Array;
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { labels, counts: new Float64Array(this.buckets.length), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (value <= (this.buckets[i] as number)) {
        (s.counts as Float64Array)[i] = (s.counts[i] as number) + 1;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  /** Observations and their sum for one label set (for tests and summaries). */
  snapshot(labels: Labels): { count: number; sum: number } {
    const s = this.#series.get(labelText(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += s.counts[i] as number;
        out.push(
          `${this.name}_bucket${labelText(s.labels, `le="${formatNumber(this.buckets[i] as number)}"`)} ${formatNumber(cumulative)}`,
        );
      }
      out.push(`${this.name}_bucket${labelText(s.labels, 'le="+Inf"')} ${formatNumber(s.count)}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${formatNumber(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${formatNumber(s.count)}`);
    }
  }
}

export class Registry {
  readonly #metrics: Metric[] = [];

  register<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.#metrics) m.render(out);
    return `${out.join('\n')}\n`;
  }
}

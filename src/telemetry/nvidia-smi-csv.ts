/** What the sampler asks nvidia-smi for, in this order. */
export const QUERY_FIELDS = [
  'index',
  'uuid',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'clocks.sm',
  'power.draw',
] as const;

/** One GPU at one moment. Quantities nvidia-smi cannot report ("[N/A]", "[Not Supported]") are null. */
export interface GpuSample {
  /** ms since the sampler started. */
  atMs: number;
  index: string;
  uuid: string;
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  smClockMHz: number | null;
  powerW: number | null;
}

function quantity(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

/** A `--format=csv,noheader,nounits` line of QUERY_FIELDS; null for lines that are not one. */
export function parseSampleLine(line: string, atMs: number): GpuSample | null {
  const parts = line.split(',').map((s) => s.trim());
  if (parts.length !== QUERY_FIELDS.length) return null;
  const [index = '', uuid = '', util, used, total, sm, power] = parts;
  if (!/^\d+$/.test(index)) return null;
  return {
    atMs,
    index,
    uuid,
    utilizationPct: quantity(util),
    memoryUsedMiB: quantity(used),
    memoryTotalMiB: quantity(total),
    smClockMHz: quantity(sm),
    powerW: quantity(power),
  };
}

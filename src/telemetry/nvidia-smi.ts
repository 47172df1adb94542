import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * The one place that talks nvidia-smi: which binary, what to ask, how to read its
 * `--format=csv,noheader,nounits` lines. Used by GPU detection (the pool's slots, the target
 * choice) and by the telemetry sampler.
 */

/** $SERVEBENCH_NVIDIA_SMI (a stand-in for tests, or a binary off PATH) or `nvidia-smi`. */
export const nvidiaSmiCommand = (): string => process.env.SERVEBENCH_NVIDIA_SMI ?? 'nvidia-smi';

/** `--query-gpu` arguments for `fields`, one CSV line per GPU without header or units. */
export const queryArgs = (fields: readonly string[]): string[] => [
  `--query-gpu=${fields.join(',')}`,
  '--format=csv,noheader,nounits',
];

/**
 * One CSV line as `fields` name it, or null when it is not one (a header, a warning, a blank
 * line): it must have one value per field, and an `index` field must be a number.
 */
export function parseCsvLine<const F extends readonly string[]>(
  fields: F,
  line: string,
): Record<F[number], string> | null {
  const parts = line.split(',').map((s) => s.trim());
  if (parts.length !== fields.length) return null;
  const row = Object.fromEntries(fields.map((field, i) => [field, parts[i]])) as Record<F[number], string>;
  return 'index' in row && !/^\d+$/.test(row.index as string) ? null : row;
}

/** A number nvidia-smi reported; null for "[N/A]", "[Not Supported]" and the like. */
export function quantity(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value : null;
}

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

/** A line of QUERY_FIELDS; null for lines that are not one. */
export function parseSampleLine(line: string, atMs: number): GpuSample | null {
  const row = parseCsvLine(QUERY_FIELDS, line);
  if (row === null) return null;
  return {
    atMs,
    index: row.index,
    uuid: row.uuid,
    utilizationPct: quantity(row['utilization.gpu']),
    memoryUsedMiB: quantity(row['memory.used']),
    memoryTotalMiB: quantity(row['memory.total']),
    smClockMHz: quantity(row['clocks.sm']),
    powerW: quantity(row['power.draw']),
  };
}

export interface GpuInfo {
  index: string;
  uuid: string;
  name: string;
  memoryMiB: number;
}

const GPU_LIST_FIELDS = ['index', 'uuid', 'name', 'memory.total'] as const;

/** GPUs of a GPU_LIST_FIELDS query, lines that are not one skipped. */
export function parseGpuList(csv: string): GpuInfo[] {
  return csv.split('\n').flatMap((line) => {
    const row = parseCsvLine(GPU_LIST_FIELDS, line);
    return row === null
      ? []
      : [{ index: row.index, uuid: row.uuid, name: row.name, memoryMiB: quantity(row['memory.total']) ?? 0 }];
  });
}

/** GPUs nvidia-smi lists; none when it is missing or fails (no driver, no GPU). */
export async function detectGpus(command = nvidiaSmiCommand()): Promise<GpuInfo[]> {
  try {
    const { stdout } = await promisify(execFile)(command, queryArgs(GPU_LIST_FIELDS), { timeout: 15_000 });
    return parseGpuList(stdout);
  } catch {
    return [];
  }
}

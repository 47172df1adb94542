import type { GpuSample } from './nvidia-smi.ts';
import type { GpuTelemetry, Stat } from './schema.ts';

function stat(values: (number | null)[]): Stat {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return null;
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of known) {
    sum += v;
    if (v > max) max = v;
  }
  return { mean: sum / known.length, max };
}

/**
 * Mean and maximum per GPU, in the order the GPUs first appear. `gpus` (indices or UUIDs, as
 * leases name them) keeps only those GPUs; empty keeps all.
 */
export function summarizeSamples(
  samples: readonly GpuSample[],
  gpus: readonly string[] = [],
): GpuTelemetry[] {
  const wanted = new Set(gpus);
  const byGpu = new Map<string, GpuSample[]>();
  for (const s of samples) {
    if (wanted.size > 0 && !wanted.has(s.index) && !wanted.has(s.uuid)) continue;
    const list = byGpu.get(s.index) ?? [];
    list.push(s);
    byGpu.set(s.index, list);
  }
  return [...byGpu.entries()].map(([index, list]) => ({
    index,
    uuid: list[0]?.uuid ?? '',
    samples: list.length,
    utilizationPct: stat(list.map((s) => s.utilizationPct)),
    memoryUsedMiB: stat(list.map((s) => s.memoryUsedMiB)),
    memoryTotalMiB: list.find((s) => s.memoryTotalMiB !== null)?.memoryTotalMiB ?? null,
    smClockMHz: stat(list.map((s) => s.smClockMHz)),
    powerW: stat(list.map((s) => s.powerW)),
  }));
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface GpuInfo {
  index: string;
  uuid: string;
  name: string;
  memoryMiB: number;
}

const run = promisify(execFile);

/** GPUs nvidia-smi lists; none when it is missing or fails (no driver, no GPU). */
export async function detectGpus(nvidiaSmi = 'nvidia-smi'): Promise<GpuInfo[]> {
  try {
    const { stdout } = await run(
      nvidiaSmi,
      ['--query-gpu=index,uuid,name,memory.total', '--format=csv,noheader,nounits'],
      {
        timeout: 15_000,
      },
    );
    return parseNvidiaSmi(stdout);
  } catch {
    return [];
  }
}

export function parseNvidiaSmi(csv: string): GpuInfo[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [index = '', uuid = '', name = '', memory = '0'] = line.split(',').map((s) => s.trim());
      return { index, uuid, name, memoryMiB: Number(memory) };
    });
}

/** Flag values shared by the benches' parsers: each error names the flag and what it expects. */

export type Host = 'idle' | 'busy';

/** A positive number (an integer when `integer`). */
export function positive(flag: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (!(n > 0) || (integer && !Number.isInteger(n))) {
    throw new Error(`--${flag}: expected a positive ${integer ? 'integer' : 'number'}, got '${raw}'`);
  }
  return n;
}

/** `idle`, `busy` or both, comma-separated. */
export function hostsFlag(raw: string): Host[] {
  const hosts = raw.split(',');
  if (hosts.some((h) => h !== 'idle' && h !== 'busy'))
    throw new Error(`--hosts: expected idle, busy or idle,busy, got '${raw}'`);
  return hosts as Host[];
}

/** One of `choices`. */
export function choiceFlag<T extends string>(flag: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw))
    throw new Error(`--${flag}: expected one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
}

import type { RequestRecord } from '../metrics/record.ts';

/**
 * Why measured requests failed, one line per distinct reason with its count, most frequent
 * first (`30 failed: HTTP 404: {"error": ...}`), so a misconfigured run explains itself on the
 * console. At most `limit` reasons; the raw records keep every one.
 */
export function failureReasons(records: readonly RequestRecord[], limit = 10): string[] {
  const counts = new Map<string, number>();
  for (const r of records) {
    if (r.ok || r.warmup) continue;
    const reason = r.error ?? r.error_code ?? 'unknown failure';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  const lines = ranked.slice(0, limit).map(([reason, n]) => `  ${n} failed: ${reason}`);
  if (ranked.length > limit) {
    const rest = ranked.slice(limit).reduce((s, [, n]) => s + n, 0);
    lines.push(`  ${rest} failed for ${ranked.length - limit} other reasons (see the raw records)`);
  }
  return ['Failed requests by reason:', ...lines];
}

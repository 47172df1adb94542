import { z } from 'zod';
import { gateMetrics } from './gate-metrics.ts';

const names = ['default', ...gateMetrics.map((m) => m.name)];

/**
 * Relative change a gated metric may worsen by before it can regress, by metric name or `default`:
 * `{ default: 0.05, p99_ttft_ms: 0.2 }` (0.2 allows 20 %). A negative one would call an unchanged
 * run a regression; a name the gate does not judge would silently do nothing.
 */
export const toleranceSchema = z.record(z.string(), z.unknown()).superRefine((tolerance, ctx) => {
  for (const [name, value] of Object.entries(tolerance)) {
    if (!names.includes(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `unknown metric '${name}'; expected 'default' or one the gate judges: ${names.slice(1).join(', ')}`,
      });
    } else if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `expected a relative change >= 0 (0.1 allows 10 %), got ${JSON.stringify(value)}`,
      });
    }
  }
}) as unknown as z.ZodType<Record<string, number>>;

import { z } from 'zod';

/** The rules of diagnosis.ts, in the order a point's headline verdict picks them. */
export const DIAGNOSIS_RULES = [
  'client',
  'host-cpu',
  'kv-cache',
  'queueing',
  'gpu-utilisation',
  'phase',
] as const;

/** What one rule concluded from a point's measured figures (docs/diagnosis.md). */
export const diagnosisFindingSchema = z.strictObject({
  rule: z.enum(DIAGNOSIS_RULES),
  /** `found`: the bottleneck is there; `clear`: measured and not there; `not-judged`: no evidence. */
  status: z.enum(['found', 'clear', 'not-judged']),
  /** e.g. "queueing", "decode-bound", "not KV-cache bound", "not judged: no server metrics". */
  verdict: z.string(),
  /** The figures the verdict rests on, each with the threshold it was judged against. */
  evidence: z.array(z.string()),
  /** The same figures as numbers (e.g. kvCacheMaxPct, queueTimeMeanMs). */
  figures: z.record(z.string(), z.number()),
  /** What to try about it (empty unless found). */
  tryNext: z.array(z.string()),
});

/** A point's bottleneck diagnosis: every rule's finding and the headline. */
export const diagnosisSchema = z.strictObject({
  /** The found verdicts, most fundamental first, e.g. "KV-cache bound, queueing"; or "no bottleneck found". */
  verdict: z.string(),
  findings: z.array(diagnosisFindingSchema),
});

export type DiagnosisRule = (typeof DIAGNOSIS_RULES)[number];
export type DiagnosisFinding = z.infer<typeof diagnosisFindingSchema>;
export type Diagnosis = z.infer<typeof diagnosisSchema>;

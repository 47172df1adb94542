import { diagnose } from './diagnosis.ts';
import {
  DIAGNOSIS_RULES,
  type Diagnosis,
  type DiagnosisFinding,
  type DiagnosisRule,
} from './diagnosis-schema.ts';
import { cell, escapeMarkdown } from './escape.ts';
import type { PointResult } from './schema.ts';

/** What each rule judges, for the "not judged" notes. */
const RULE_NAMES: Record<DiagnosisRule, string> = {
  client: 'client-bound',
  'host-cpu': 'CPU-bound host',
  'kv-cache': 'KV-cache bound',
  queueing: 'queueing',
  'gpu-utilisation': 'under-utilised GPU',
  phase: 'prefill- or decode-bound',
};

/** The point's diagnosis as results.json has it, or judged now from its evidence (older results). */
export const diagnosisOf = (p: PointResult): Diagnosis => p.diagnosis ?? diagnose(p);

const list = (items: readonly string[]) => items.map(escapeMarkdown).join('; ');

/**
 * "Bottleneck" section of an experiment (docs/diagnosis.md): the answer first (each verdict and the
 * points it was found at), then per point a row for every verdict found with the figures it rests
 * on and what to try (one row "no bottleneck found" with the figures that cleared it otherwise),
 * then which rules had no evidence to judge by.
 */
export function renderDiagnosisTable(points: readonly PointResult[]): string {
  if (points.length === 0) return '';
  const diagnoses = points.map((p) => ({ test: p.test, d: diagnosisOf(p) }));

  // The answer: each found verdict with the points that have it, in rule order.
  const byVerdict = new Map<string, string[]>();
  const found = diagnoses.flatMap(({ test, d }) =>
    d.findings.filter((f) => f.status === 'found').map((f) => ({ test, f })),
  );
  found.sort((a, b) => DIAGNOSIS_RULES.indexOf(a.f.rule) - DIAGNOSIS_RULES.indexOf(b.f.rule));
  for (const { test, f } of found) byVerdict.set(f.verdict, [...(byVerdict.get(f.verdict) ?? []), test]);
  const n = points.length;
  const of = (k: number) => (n === 1 ? '' : ` at ${k} of ${n} points`);
  const answer =
    byVerdict.size === 0
      ? `no bottleneck found${n === 1 ? '' : ` at any of ${n} points`} (by the rules that had evidence)`
      : [...byVerdict]
          .map(([verdict, tests]) => {
            const which = n > 1 && tests.length < n ? ` (${tests.map(escapeMarkdown).join(', ')})` : '';
            return `**${escapeMarkdown(verdict)}**${of(tests.length)}${which}`;
          })
          .join('; ');
  const lines = [
    `**Bottleneck:** ${answer}. Judged from the measured figures, each against a threshold (docs/diagnosis.md):`,
    '',
    '| test | verdict | evidence | what to try |',
    '|---|---|---|---|',
  ];
  const row = (values: string[]) => lines.push(`| ${values.map(cell).join(' | ')} |`);
  for (const { test, d } of diagnoses) {
    const found = d.findings.filter((f) => f.status === 'found');
    for (const f of found)
      row([escapeMarkdown(test), `**${escapeMarkdown(f.verdict)}**`, list(f.evidence), list(f.tryNext)]);
    if (found.length === 0) {
      const cleared = d.findings.filter((f) => f.status === 'clear');
      const evidence = cleared.map((f) => `${f.verdict}: ${f.evidence.join(', ')}`);
      row([escapeMarkdown(test), 'no bottleneck found', evidence.length > 0 ? list(evidence) : '—', '—']);
    }
  }

  // Rules without evidence, grouped by why, so a simulated run says it once.
  const notJudged = new Map<string, string[]>();
  for (const { test, d } of diagnoses) {
    for (const f of d.findings.filter((x: DiagnosisFinding) => x.status === 'not-judged')) {
      const key = `${RULE_NAMES[f.rule]}: ${f.verdict}`;
      notJudged.set(key, [...(notJudged.get(key) ?? []), test]);
    }
  }
  if (notJudged.size > 0) {
    lines.push('');
    for (const [what, tests] of notJudged) {
      const where =
        tests.length === n ? (n === 1 ? '' : ' (every point)') : ` (${tests.map(escapeMarkdown).join(', ')})`;
      lines.push(`- ${escapeMarkdown(what)}${where}`);
    }
  }
  return lines.join('\n');
}

import { cell, code, escapeMarkdown } from './escape.ts';
import { formatChange, formatMetric, formatPercent, metricLabel, metricUnit } from './format.ts';
import type { BaselineOutcome, PointResult, UnderTest, Verdict } from './schema.ts';

const verdictMarks: Record<Verdict['verdict'], string> = {
  ok: '✅ ok',
  improved: '✅ improved',
  regressed: '❌ regressed',
  'insufficient-samples': '⚠️ not judged',
};

/** "95% CI" when every interval has that level (verdicts before `confidence` existed: 95%). */
const ciLevel = (verdicts: readonly Verdict[]) => {
  const levels = new Set(verdicts.filter((v) => v.ci).map((v) => v.confidence ?? 0.95));
  return levels.size === 1 ? `${100 * ([...levels][0] as number)}% CI` : 'CI';
};

const change = (v: Verdict) => `${metricLabel(v.metric)} ${formatChange(v.change)}`;

/**
 * The baseline column of the points table: a mark and the metrics that decided it, e.g.
 * `❌ p99 TTFT +23.4%`, `✅ ok (p99 TTFT +1.2%)`, `🆕 new`.
 */
export function baselineCell(outcome: BaselineOutcome | null): string {
  if (!outcome) return '—';
  const by = (verdict: Verdict['verdict']) => outcome.verdicts.filter((v) => v.verdict === verdict);
  switch (outcome.status) {
    case 'new':
      return '🆕 new';
    case 'updated':
      return '🆕 updated';
    case 'missing':
      return '⚠️ no baseline';
    case 'skipped':
      return '⚠️ skipped';
    case 'unusable':
      return '❌ baseline cannot judge';
  }
  const regressed = by('regressed');
  if (regressed.length > 0) return `❌ ${regressed.map(change).join(', ')}`;
  if (outcome.status === 'regressed') return '❌ regressed';
  const unsure = by('insufficient-samples');
  if (unsure.length > 0) return `⚠️ not judged: ${unsure.map((v) => metricLabel(v.metric)).join(', ')}`;
  const improved = by('improved');
  if (improved.length > 0) return `✅ ${improved.map(change).join(', ')}`;
  const largest = outcome.verdicts.toSorted((a, b) => Math.abs(b.change) - Math.abs(a.change))[0];
  return largest ? `✅ ok (${change(largest)})` : '✅ ok';
}

/**
 * The baseline section of an experiment: each metric that moved beyond tolerance and noise (or could not
 * be judged), and what under test differs from the baseline (server, its arguments). Empty when all
 * compared metrics held and nothing under test changed.
 */
export function renderBaselineDiff(points: readonly PointResult[]): string {
  const compared = points.filter((p) => p.baseline && p.baseline.verdicts.length > 0);
  const notable = compared.flatMap((p) =>
    (p.baseline?.verdicts ?? []).filter((v) => v.verdict !== 'ok').map((v) => ({ test: p.test, v })),
  );
  const changes = underTestChanges(points);
  if (notable.length === 0 && changes.length === 0) return '';

  const total = compared.reduce((n, p) => n + (p.baseline?.verdicts.length ?? 0), 0);
  const count = (verdict: Verdict['verdict']) => notable.filter((row) => row.v.verdict === verdict).length;
  const out = ['### Baseline comparison', ''];
  if (total > 0) {
    const parts = [`❌ ${count('regressed')} regressed`, `✅ ${count('improved')} improved`];
    const unsure = count('insufficient-samples');
    if (unsure > 0) parts.push(`⚠️ ${unsure} not judged (too few samples, or undecided: see each note)`);
    out.push(
      `${total} metric comparison${total === 1 ? '' : 's'} on ${compared.length} point${compared.length === 1 ? '' : 's'}: ${parts.join(', ')}; the rest within tolerance or noise.`,
      '',
    );
  }
  if (notable.length > 0) {
    out.push(
      `| test | metric | baseline | current | change | ${ciLevel(notable.map((row) => row.v))} of change | tolerance | verdict |`,
      '|---|---|--:|--:|--:|--:|--:|---|',
    );
    for (const { test, v } of notable) {
      const unit = metricUnit(v.metric);
      const value = (x: number) => `${formatMetric(v.metric, x)}${unit ? ` ${unit}` : ''}`;
      const row = [
        escapeMarkdown(test),
        // A metric without a label of its own (a sweep point's objective) is named once.
        metricLabel(v.metric) === v.metric
          ? escapeMarkdown(v.metric)
          : `${metricLabel(v.metric)} ${code(v.metric)}`,
        value(v.baseline),
        value(v.current),
        formatChange(v.change),
        v.ci ? `[${formatChange(v.ci[0])}, ${formatChange(v.ci[1])}]` : '—',
        `±${formatPercent(v.tolerance)}`,
        v.note
          ? `${verdictMarks[v.verdict]}: ${v.note.replace(/^not judged: \S+ /, '')}`
          : `${verdictMarks[v.verdict]} (${v.direction.replaceAll('-', ' ')})`,
      ];
      out.push(`| ${row.map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  for (const c of changes) {
    const withBaseline = points.filter((p) => p.baseline?.baselineUnderTest).length;
    const scope =
      c.tests.length === withBaseline ? 'every compared point' : c.tests.map(escapeMarkdown).join(', ');
    out.push(
      `**Under test, changed from the baseline** (${scope}):`,
      '',
      ...c.lines.map((l) => `- ${l}`),
      '',
    );
  }
  return out.join('\n');
}

interface UnderTestChange {
  tests: string[];
  lines: string[];
}

/** Differences between each point's under-test fields and its baseline's, grouped when points share them. */
function underTestChanges(points: readonly PointResult[]): UnderTestChange[] {
  const groups = new Map<string, UnderTestChange>();
  for (const p of points) {
    const before = p.baseline?.baselineUnderTest;
    if (!before) continue;
    const lines = diffUnderTest(before, p.underTest);
    if (lines.length === 0) continue;
    const key = lines.join('\n');
    const group = groups.get(key) ?? { tests: [], lines };
    group.tests.push(p.test);
    groups.set(key, group);
  }
  return [...groups.values()];
}

const args = (list: readonly string[]) => (list.length === 0 ? '(none)' : code(list.join(' ')));

export function diffUnderTest(before: UnderTest, after: UnderTest): string[] {
  const lines: string[] = [];
  if (before.target !== after.target) lines.push(`target: ${code(before.target)} → ${code(after.target)}`);
  if (before.server !== after.server) lines.push(`server: ${code(before.server)} → ${code(after.server)}`);
  if (before.serverArgs.join('\u0000') !== after.serverArgs.join('\u0000')) {
    const added = after.serverArgs.filter((a) => !before.serverArgs.includes(a));
    const removed = before.serverArgs.filter((a) => !after.serverArgs.includes(a));
    const detail = [
      added.length > 0 ? `added ${args(added)}` : '',
      removed.length > 0 ? `removed ${args(removed)}` : '',
    ].filter(Boolean);
    lines.push(
      `serverArgs: ${args(before.serverArgs)} → ${args(after.serverArgs)}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`,
    );
  }
  return lines;
}

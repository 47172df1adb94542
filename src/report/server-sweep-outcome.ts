import { escapeMarkdown } from './escape.ts';
import type { PointResult, Verdict } from './schema.ts';

/** The point a server sweep's verdict is about: its metric reads "50 %: attainment". */
const pointOf = (v: Verdict) => v.metric.split(': ')[0] ?? v.metric;

/**
 * A server sweep's baseline outcome, under its table: the status and the points that decided it,
 * how the elbow moved, the points added or removed since. Each judged point's verdict, with both
 * intervals, is a row of the experiment's baseline comparison.
 */
export function serverSweepBaselineLines(point: PointResult): string[] {
  const b = point.baseline;
  if (!b) return [];
  const message = b.message ? escapeMarkdown(b.message.replaceAll('\n', ' — ')) : '';
  const at = (verdict: Verdict['verdict']) =>
    b.verdicts
      .filter((v) => v.verdict === verdict)
      .map((v) => escapeMarkdown(pointOf(v)))
      .join(', ');
  let line: string;
  switch (b.status) {
    case 'new':
      line = "🆕 **Baseline:** recorded (each point's SLO verdict and capacity bracket, the elbow)";
      break;
    case 'updated':
      line = '🆕 **Baseline:** re-recorded (`-u`)';
      break;
    case 'missing':
      line = `⚠️ **Baseline:** none recorded${message ? `: ${message}` : ''}`;
      break;
    case 'skipped':
      line = `⚠️ **Baseline:** not recorded${message ? `: ${message}` : ''}`;
      break;
    case 'unusable':
      line = `❌ **Baseline:** cannot judge this sweep${message ? `: ${message}` : ''}`;
      break;
    default: {
      const regressed = at('regressed');
      const parts = [
        regressed ? `❌ regressed at ${regressed}` : '',
        at('improved') ? `✅ improved at ${at('improved')}` : '',
        at('insufficient-samples')
          ? `⚠️ not judged at ${at('insufficient-samples')} (undecided or invalid now, never a regression)`
          : '',
        message,
      ].filter(Boolean);
      const n = b.verdicts.length;
      line = `${regressed ? '❌' : '✅'} **Baseline:** ${regressed ? 'regressed' : 'matched'} (${n} point${n === 1 ? '' : 's'} compared)${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`;
    }
  }
  return [line, ''];
}

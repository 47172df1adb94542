import type { ProbeOutcome, ProbeSession } from './probe-session.ts';
import type { CapacityResult } from './result.ts';
import { capacityResult, driveSearch } from './run-search.ts';
import { bounds, type SearchPolicy } from './search.ts';
import type { CapacitySearch, CapacitySlo } from './spec.ts';

/** Load factor between passing windows. */
const GROWTH = 1.5;
/** Windows re-run at max_passing once the boundary is found. */
const HOLD_WINDOWS = 2;

/**
 * Adaptive mode (AIPerf's adaptive scale): back-to-back windows on the warm server, one run each
 * sized by planProbe. From `start` (default 1 req/s or 1 user) the load grows x1.5 while windows
 * pass; at the first failing window it backs off to the last passing load and bisects with
 * windows to `precision`; then it holds: two more windows at max_passing. A failing hold window
 * overrules that load's pass, lowering max_passing, and the bisection resumes below it (then
 * holds again), all within `maxProbes` runs. Undecided windows are lengthened, unresolved and
 * invalid ones routed around, exactly as in a search (search.ts).
 */
export async function adaptiveCapacity(
  session: ProbeSession,
  slo: CapacitySlo,
  search: CapacitySearch,
  policy: Omit<SearchPolicy, 'growth' | 'saturation' | 'interpolate'>,
): Promise<CapacityResult> {
  const windows: SearchPolicy = { ...policy, growth: GROWTH, saturation: null, interpolate: false };
  const outcomes: ProbeOutcome[] = [];
  let stop = await driveSearch(session, windows, outcomes, () => 'window');
  for (
    let round = 0;
    round < search.maxProbes && (stop === 'precision' || stop === 'max-load' || stop === 'unresolved');
    round++
  ) {
    const held = bounds(outcomes.map((o) => o.point)).max_passing;
    if (held === null) break;
    let lowered = false;
    for (let w = 0; w < HOLD_WINDOWS && !lowered; w++) {
      const outcome = await session.probe(held, 'hold');
      if (outcome === null)
        return capacityResult(search.variable, 'adaptive', slo, 'max-probes', outcomes, session);
      outcomes.push(outcome);
      lowered = outcome.point.verdict === 'fail';
    }
    if (!lowered) break;
    stop = await driveSearch(session, windows, outcomes, () => 'window');
  }
  return capacityResult(search.variable, 'adaptive', slo, stop, outcomes, session);
}

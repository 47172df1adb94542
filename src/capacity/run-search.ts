import { describeSlo } from './describe-slo.ts';
import { findKnee } from './knee.ts';
import type { ProbeOutcome, ProbeSession } from './probe-session.ts';
import type { CapacityProbe, CapacityResult } from './result.ts';
import { bounds, nextStep, type SearchPolicy, type StopReason } from './search.ts';
import type { CapacitySlo } from './spec.ts';

/**
 * Runs the search policy until it stops: each step's probe goes through the session, its outcome
 * is appended to `outcomes` (which may already hold earlier probes). Bounded: every step spends
 * at least one run of the session's budget, and the policy stops once it is spent.
 */
export async function driveSearch(
  session: ProbeSession,
  policy: SearchPolicy,
  outcomes: ProbeOutcome[],
  phaseOf: (phase: 'bracket' | 'refine') => CapacityProbe['phase'] = (phase) => phase,
): Promise<StopReason> {
  for (let i = 0; i <= policy.maxProbes; i++) {
    const step = nextStep(
      policy,
      outcomes.map((o) => o.point),
      session.runs,
    );
    if (step.kind === 'stop') return step.reason;
    const outcome = await session.probe(step.load, phaseOf(step.phase));
    if (outcome === null) return 'max-probes';
    outcomes.push(outcome);
  }
  return 'max-probes';
}

/** The result document from the probes' outcomes and every run the session recorded. */
export function capacityResult(
  variable: CapacityResult['variable'],
  mode: CapacityResult['mode'],
  slo: CapacitySlo,
  stop: StopReason,
  outcomes: readonly ProbeOutcome[],
  session: ProbeSession,
): CapacityResult {
  const kneePoints = outcomes.flatMap((o) => (o.knee ? [o.knee] : []));
  return {
    variable,
    mode,
    slo: describeSlo(slo),
    ...bounds(outcomes.map((o) => o.point)),
    stop_reason: stop,
    knee: findKnee(variable, kneePoints),
    probes: session.probes,
  };
}

import {
  type CapacitySearchInput,
  type CapacitySloInput,
  capacitySearchSchema,
  capacitySloSchema,
  type ProbeBaseInput,
  probeBaseSchema,
} from '../capacity/spec.ts';
import type { CapacityFlags } from './capacity-options.ts';
import { assertValid, sharedProfileFromFlags } from './run-profile.ts';

/** What the capacity engine takes, from (checked: see capacity-checks.ts) flags. */
export interface CapacityInputs {
  base: ProbeBaseInput;
  slo: CapacitySloInput;
  search: CapacitySearchInput;
  /** `--confirm LOAD`: check this one load instead of searching. */
  confirm: number | undefined;
}

export function capacityInputsFromFlags(f: CapacityFlags): CapacityInputs {
  const base: ProbeBaseInput = sharedProfileFromFlags(f);
  assertValid(probeBaseSchema, base, 'capacity');
  const slo: CapacitySloInput = {
    goodput: f.goodput,
    attainment: f.sloAttainment,
    percentiles: f.sloPercentile,
    maxErrorRate: f.maxErrorRate,
    latency: f.sloLatency,
  };
  assertValid(capacitySloSchema, slo, 'capacity', sloFlags);
  const search: CapacitySearchInput = {
    variable: f.search,
    ...arrivalOf(f),
    mode: f.mode,
    start: f.start,
    max: f.maxLoad,
    precision: f.precision,
    maxProbes: f.maxProbes,
    minRequests: f.minRequests,
    maxRequests: f.maxRequests,
  };
  assertValid(capacitySearchSchema, search, 'capacity', searchFlags);
  return { base, slo, search, confirm: f.confirm };
}

/** vLLM's --burstiness (or our --arrival) as the search's arrival of request-rate probes. */
function arrivalOf(f: CapacityFlags): Pick<CapacitySearchInput, 'arrival' | 'burstiness'> {
  if (f.arrival === 'constant' || f.burstiness === Number.POSITIVE_INFINITY) return { arrival: 'constant' };
  if (f.burstiness === 1) return { arrival: 'poisson' };
  return { arrival: 'gamma', burstiness: f.burstiness };
}

const sloFlags: Record<string, string> = {
  goodput: '--goodput',
  attainment: '--slo-attainment',
  percentiles: '--slo-percentile',
  maxErrorRate: '--max-error-rate',
  latency: '--slo-latency',
};
const searchFlags: Record<string, string> = {
  variable: '--search',
  arrival: '--arrival or --burstiness',
  burstiness: '--burstiness',
  mode: '--mode',
  start: '--start',
  max: '--max-load',
  precision: '--precision',
  maxProbes: '--max-probes',
  minRequests: '--min-requests',
  maxRequests: '--max-requests',
};

import type { CapacityResult } from './result.ts';

/** Why a capacity search stopped, in words: the CLI's answer line and the report's both use these. */
export const stopReasonWords: Record<CapacityResult['stop_reason'], string> = {
  precision: 'bracket within the precision asked',
  'max-probes': 'probe budget spent before the precision was reached',
  'max-load': 'the SLO still held at the highest load allowed',
  'min-load': 'the SLO failed even at the lowest load tried',
  unresolved: 'probes near the boundary stayed undecided at their length cap',
  invalid: 'two loads in a row could not be trusted (see the invalid probes below)',
  confirmed: 'the SLO holds at the recorded capacity',
  'not-confirmed': 'the SLO no longer holds at the recorded capacity',
};

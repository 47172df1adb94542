import { describe, expect, it } from 'vitest';
import { hardwareProfiles } from '../profiles/hardware.ts';
import { modelProfiles } from '../profiles/models.ts';
import { VirtualClock } from './clock.ts';
import { createCluster } from './cluster.ts';
import { Sequence } from './sequence.ts';

/** A clock whose timers all fire `lateS` after their deadline, as a busy host's would. */
class LateClock extends VirtualClock {
  readonly lateS: number;
  constructor(lateS: number) {
    super();
    this.lateS = lateS;
  }
  override at(deadline: number, fn: () => void): void {
    super.at(deadline + this.lateS, fn);
  }
}

describe('engine on a late clock (virtual time)', () => {
  it('schedules a request that arrived during the lateness on arrival, never before it', () => {
    const clock = new LateClock(0.005);
    const cluster = createCluster(
      {
        hardware: hardwareProfiles['RTX-4090'],
        model: modelProfiles['Qwen/Qwen2.5-1.5B-Instruct'],
        tensorParallelSize: 1,
        dataParallelSize: 1,
        maxNumSeqs: 16,
        maxNumBatchedTokens: 2048,
        gpuMemoryUtilization: 0.9,
        mpsActiveThreadPercentage: 100,
      },
      clock,
    );
    const sink = { onTokens: () => {}, onFinish: () => {} };
    const seqs = Array.from(
      { length: 40 },
      (_, i) =>
        new Sequence({ id: `s${i}`, promptTokens: 16, outputTokens: 32, finishReason: 'length', sink }),
    );
    // One arrival every 3 ms while steps run: many land between a step's deadline and its late run.
    seqs.forEach((seq, i) => {
      clock.at(i * 0.003, () => cluster.router.pick().add(seq));
    });
    clock.run();
    const waits = seqs.map((s) => s.firstScheduledAt - s.arrivedAt);
    expect(seqs.every((s) => s.firstScheduledAt >= 0)).toBe(true);
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
  });
});

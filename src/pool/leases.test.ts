import { describe, expect, it } from 'vitest';
import { LeaseManager } from './leases.ts';

describe('LeaseManager (mock GPU ids)', () => {
  it('leases distinct slots and takes them back', async () => {
    const leases = new LeaseManager([['0'], ['1']]);
    const a = await leases.acquire();
    const b = await leases.acquire();
    expect([a.gpus, b.gpus]).toEqual([['0'], ['1']]);
    expect(leases.inUse).toBe(2);
    leases.release(a.id);
    expect((await leases.acquire()).gpus).toEqual(['0']);
  });

  it('waits for a slot being released, then gives it', async () => {
    const leases = new LeaseManager([['0', '1']]);
    const first = await leases.acquire();
    setTimeout(() => leases.release(first.id), 50);
    const second = await leases.acquire(5000);
    expect(second.gpus).toEqual(['0', '1']);
  });

  it('fails clearly when no slot comes back in time', async () => {
    const leases = new LeaseManager([['0']]);
    await leases.acquire();
    await expect(leases.acquire(100)).rejects.toThrow(/all 1 GPU slot\(s\) stayed leased for 0.1 s/);
  });
});

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

  it("frees a lease's GPUs only once its release hooks are done (its servers stopped)", async () => {
    const leases = new LeaseManager([['0']]);
    const events: string[] = [];
    leases.onRelease(async (lease) => {
      events.push(`stopping servers of ${lease.id}`);
      await new Promise((r) => setTimeout(r, 200));
      events.push(`stopped servers of ${lease.id}`);
    });
    const first = await leases.acquire();
    const released = leases.release(first.id);
    expect(leases.get(first.id)).toBeUndefined();
    const second = await leases.acquire(5000);
    events.push(`acquired ${second.id}`);
    await released;
    expect(events).toEqual(['stopping servers of lease-1', 'stopped servers of lease-1', 'acquired lease-2']);
  });

  it('a failing hook still frees the GPUs', async () => {
    const leases = new LeaseManager([['0']]);
    leases.onRelease(() => {
      throw new Error('could not stop');
    });
    await leases.release((await leases.acquire()).id);
    expect((await leases.acquire(100)).gpus).toEqual(['0']);
  });
});

import type { McpAuthClock } from '../core/clock.js';
import { tryAcquireLock } from './distributed-lock.js';
import { MemoryStore } from './memory-store.js';

describe('tryAcquireLock', () => {
  let now: number;
  const clock: McpAuthClock = { now: () => now };
  let store: MemoryStore;

  beforeEach(() => {
    now = 1_700_000_000_000;
    store = new MemoryStore({}, clock);
  });
  afterEach(() => store.close());

  it('excludes a second holder until released by its owner', async () => {
    const lease = await tryAcquireLock(store, 'refresh:g1', 10_000);
    expect(lease).toBeDefined();
    expect(await tryAcquireLock(store, 'refresh:g1', 10_000)).toBeUndefined();
    expect(await tryAcquireLock(store, 'refresh:g2', 10_000)).toBeDefined();
    expect(await lease!.release()).toBe(true);
    expect(await lease!.release()).toBe(false);
    expect(await tryAcquireLock(store, 'refresh:g1', 10_000)).toBeDefined();
  });

  it('gives each holder a random owner token', async () => {
    const a = await tryAcquireLock(store, 'a', 10_000);
    const b = await tryAcquireLock(store, 'b', 10_000);
    expect(a!.owner).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a!.owner).not.toBe(b!.owner);
  });

  it('frees the lock of a crashed holder when its TTL runs out, and the stale lease cannot release the new one', async () => {
    const crashed = await tryAcquireLock(store, 'work', 1000);
    now += 999;
    expect(await tryAcquireLock(store, 'work', 1000)).toBeUndefined();
    now += 1;
    const next = await tryAcquireLock(store, 'work', 1000);
    expect(next).toBeDefined();
    expect(await crashed!.release()).toBe(false);
    expect(await tryAcquireLock(store, 'work', 1000)).toBeUndefined(); // still held by `next`
    expect(await next!.release()).toBe(true);
  });

  it('refuses an invalid TTL', async () => {
    await expect(tryAcquireLock(store, 'x', 0)).rejects.toThrow(RangeError);
  });
});

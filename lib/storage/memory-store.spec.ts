import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { McpAuthClock } from '../core/clock.js';
import { MemoryStore } from './memory-store.js';
import { describeStoreContract } from './store.contract.js';
import { StoreNamespace } from './store-key.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000): McpAuthClock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

describeStoreContract('MemoryStore', async () => {
  const clock = manualClock();
  const store = new MemoryStore({}, clock);
  return { store, advance: async (ms) => clock.advance(ms), close: () => store.close() };
});

describe('MemoryStore', () => {
  const RECORDS = new StoreNamespace<{ n: number }>('record');
  let clock: ReturnType<typeof manualClock>;
  let store: MemoryStore;

  beforeEach(() => {
    clock = manualClock();
  });
  afterEach(async () => {
    await store.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('is bounded: when full, the oldest written record is dropped first', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = new MemoryStore({ maxEntries: 3 }, clock);
    for (const n of [1, 2, 3]) await store.set(RECORDS.key(`r${n}`), { n }, 60_000);
    await store.set(RECORDS.key('r1'), { n: 11 }, 60_000); // rewriting makes r1 the youngest
    await store.set(RECORDS.key('r4'), { n: 4 }, 60_000);
    expect(store.size).toBe(3);
    expect(await store.get(RECORDS.key('r2'))).toBeUndefined();
    expect(await store.get(RECORDS.key('r1'))).toEqual({ n: 11 });
    expect(await store.get(RECORDS.key('r3'))).toEqual({ n: 3 });
    expect(await store.get(RECORDS.key('r4'))).toEqual({ n: 4 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('maxEntries 3');
  });

  it('drops only whole records: an evicted key reads as missing, never as another record', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = new MemoryStore({ maxEntries: 100 }, clock);
    for (let n = 0; n < 1000; n += 1) await store.set(RECORDS.key(`r${n}`), { n }, 60_000);
    const read = await Promise.all(Array.from({ length: 1000 }, (_, n) => store.get(RECORDS.key(`r${n}`))));
    expect(read.filter((r) => r !== undefined)).toHaveLength(100);
    expect(read.filter((record, n) => record !== undefined && record.n !== n)).toEqual([]);
  });

  it('sweeps expired records on its interval until closed', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    store = new MemoryStore({ sweepIntervalMs: 1000 }, clock);
    await store.set(RECORDS.key('short'), { n: 1 }, 500);
    await store.set(RECORDS.key('long'), { n: 2 }, 5000);
    clock.advance(600);
    expect(store.size).toBe(2); // expired, not swept yet, and never returned
    jest.advanceTimersByTime(1000);
    expect(store.size).toBe(1);
    expect(jest.getTimerCount()).toBe(1);
    await store.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never keeps the process alive: the sweeper timer is unref-ed', async () => {
    store = new MemoryStore({}, clock);
    const sweeper = (store as unknown as { sweeper: NodeJS.Timeout }).sweeper;
    expect(sweeper.hasRef()).toBe(false);
  });

  it('follows the injected clock for expiry', async () => {
    store = new MemoryStore({}, clock);
    await store.set(RECORDS.key('r'), { n: 1 }, 1000);
    clock.advance(999);
    expect(await store.get(RECORDS.key('r'))).toEqual({ n: 1 });
    clock.advance(1);
    expect(await store.get(RECORDS.key('r'))).toBeUndefined();
  });

  it('reports the sweep count and keeps live records', async () => {
    store = new MemoryStore({}, clock);
    await store.set(RECORDS.key('a'), { n: 1 }, 100);
    await store.set(RECORDS.key('b'), { n: 2 }, 100);
    await store.set(RECORDS.key('c'), { n: 3 }, 10_000);
    clock.advance(100);
    expect(store.sweep()).toBe(2);
    expect(await store.get(RECORDS.key('c'))).toEqual({ n: 3 });
  });

  it.each([
    [{ maxEntries: 0 }, 'maxEntries'],
    [{ maxEntries: 1.5 }, 'maxEntries'],
    [{ sweepIntervalMs: 0 }, 'sweepIntervalMs'],
  ])('refuses settings %p', (settings, name) => {
    expect(() => (store = new MemoryStore(settings, clock))).toThrow(name);
    store = new MemoryStore({}, clock);
  });
});

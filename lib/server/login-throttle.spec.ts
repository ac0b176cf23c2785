import type { McpAuthClock } from '../core/clock.js';
import { MemoryStore } from '../storage/memory-store.js';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  let now: number;
  const clock: McpAuthClock = { now: () => now };
  let store: MemoryStore;
  let throttle: LoginThrottle;

  beforeEach(() => {
    now = 1_700_000_000_000;
    store = new MemoryStore({}, clock);
    throttle = new LoginThrottle(store, 3, 60);
  });
  afterEach(() => store.close());

  it('allows maxFailures attempts per window, then locks the name', async () => {
    expect([await throttle.attempt('alice'), await throttle.attempt('alice'), await throttle.attempt('alice')]).toEqual(
      [true, true, true],
    );
    expect(await throttle.attempt('alice')).toBe(false);
    expect(await throttle.attempt('bob')).toBe(true);
  });

  it('counts attempts atomically: of many concurrent attempts exactly maxFailures pass (AS-06)', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => throttle.attempt('alice')));
    expect(results.filter(Boolean)).toHaveLength(3);
  });

  it('the window is fixed: it ends windowSeconds after the first attempt, on the injected clock', async () => {
    for (let i = 0; i < 4; i++) await throttle.attempt('alice');
    now += 59_000;
    expect(await throttle.attempt('alice')).toBe(false);
    now += 1_000;
    expect(await throttle.attempt('alice')).toBe(true);
  });

  it('a success starts the name afresh', async () => {
    await throttle.attempt('alice');
    await throttle.attempt('alice');
    await throttle.succeeded('alice');
    expect([await throttle.attempt('alice'), await throttle.attempt('alice'), await throttle.attempt('alice')]).toEqual(
      [true, true, true],
    );
  });

  it('ignores case, and stores only a hash of the name', async () => {
    for (const name of ['Alice', 'ALICE', 'alice']) await throttle.attempt(name);
    expect(await throttle.attempt('aLiCe')).toBe(false);
    const keys = [...(store as unknown as { entries: Map<string, unknown> }).entries.keys()];
    expect(keys.join(' ')).not.toMatch(/alice/i);
  });
});

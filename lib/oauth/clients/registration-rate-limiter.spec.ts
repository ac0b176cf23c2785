import { jest } from '@jest/globals';
import type { McpAuthClock } from '../../core/clock.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { RegistrationRateLimiter } from './registration-rate-limiter.js';

describe('RegistrationRateLimiter', () => {
  let now = 1_700_000_000_000;
  const clock: McpAuthClock = { now: () => now };
  let store: MemoryStore;

  beforeEach(() => {
    store = new MemoryStore({}, clock);
  });
  afterEach(async () => {
    await store.close();
    jest.restoreAllMocks();
  });

  it('counts per key in a fixed window and reports the time left', async () => {
    const limiter = new RegistrationRateLimiter(store, 2, 60);
    expect(await limiter.hit('a')).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 60 });
    now += 15_500;
    expect(await limiter.hit('a')).toEqual({ allowed: true, remaining: 0, retryAfterSeconds: 45 });
    expect(await limiter.hit('a')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 45 });
    expect((await limiter.hit('b')).allowed).toBe(true);
    now += 44_500;
    expect(await limiter.hit('a')).toEqual({ allowed: true, remaining: 1, retryAfterSeconds: 60 });
  });

  it('stores hashed keys only', async () => {
    const increment = jest.spyOn(store, 'increment');
    await new RegistrationRateLimiter(store, 1, 1).hit('203.0.113.7');
    const key = increment.mock.calls[0]![0];
    expect(key.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(key)).not.toContain('203.0.113.7');
  });

  it('refuses invalid limits', () => {
    expect(() => new RegistrationRateLimiter(store, 0, 60)).toThrow(RangeError);
    expect(() => new RegistrationRateLimiter(store, 1, 0.5)).toThrow(RangeError);
  });
});

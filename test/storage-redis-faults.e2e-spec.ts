import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { systemClock } from '../lib/core/clock.js';
import { McpAuthHttpError } from '../lib/core/errors/mcp-auth.error.js';
import { createStore } from '../lib/storage/create-store.js';
import type { McpAuthStore } from '../lib/storage/mcp-auth-store.interface.js';
import { RedisStore } from '../lib/storage/redis-store.js';
import { StorageUnavailableError } from '../lib/storage/storage.errors.js';
import { StoreNamespace } from '../lib/storage/store-key.js';
import { RedisServer } from './helpers/redis-server.js';

// Security catalog F-12, F-13, F-14, S-06, S-07 and durability, against a real redis-server
// that the tests stop, kill, pause, flush and restart. Jest fails any test during which a
// promise rejection goes unhandled, so every test here also proves that none does.

// Restarts and reconnect backoff (up to 2 s) take a few seconds on a busy machine.
jest.setTimeout(20_000);

const CODES = new StoreNamespace<{ grantId: string }>('code');
const GRANTS = new StoreNamespace<{ sub: string }>('grant');
const REFRESH = new StoreNamespace<{ grantId: string }>('rt');
const COUNTERS = new StoreNamespace<number>('rl');
const PADDED = new StoreNamespace<{ id: number; owner: string; pad: string }>('client');
const MINUTE = 60_000;
/** Upper bound for "fails fast": generous against CI jitter, far below a hanging request. */
const FAST_MS = 3000;

/** Every kind of operation once, each expected to settle. */
function everyOperation(store: McpAuthStore): Array<[string, () => Promise<unknown>]> {
  return [
    ['get', () => store.get(CODES.key('k'))],
    ['set', () => store.set(CODES.key('k'), { grantId: 'g' }, MINUTE)],
    ['setIfAbsent', () => store.setIfAbsent(CODES.key('k'), { grantId: 'g' }, MINUTE)],
    ['consume', () => store.consume(CODES.key('k'))],
    ['delete', () => store.delete(CODES.key('k'))],
    ['increment', () => store.increment(COUNTERS.key('k'), MINUTE)],
    [
      'commit',
      () =>
        store.commit({
          consume: [CODES.key('k')],
          set: [{ key: REFRESH.key('k'), value: { grantId: 'g' }, ttlMs: MINUTE }],
        }),
    ],
  ];
}

/** Asserts that `operation` rejects with the typed 503 error within {@link FAST_MS}. */
async function expectFastUnavailable(operation: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await operation().then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(StorageUnavailableError);
  expect(error).toBeInstanceOf(McpAuthHttpError);
  expect(error).toMatchObject({
    status: 503,
    error: 'temporarily_unavailable',
    code: 'ERR_MCP_AUTH_STORAGE_UNAVAILABLE',
  });
  expect((error as Error).cause).toBeInstanceOf(Error);
  expect(elapsed).toBeLessThan(FAST_MS);
  return elapsed;
}

/** Retries `check` until it passes (the store reconnecting in the background), at most `timeoutMs`. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('RedisStore under faults', () => {
  let server: RedisServer;
  let store: RedisStore;
  let errors: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.destroy();
  });
  beforeEach(async () => {
    if (server.pid === undefined) await server.restart(); // a failed test must not fail the next ones
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    store = new RedisStore({
      url: server.url,
      keyPrefix: `f${Math.random().toString(36).slice(2)}:`,
      commandTimeoutMs: 300,
    });
    if (!(await store.waitUntilReady(5000))) throw new Error('Redis is not ready');
  });
  afterEach(async () => {
    await store.close();
    jest.restoreAllMocks();
  });

  it('answers 503 fast while Redis is down and resumes, with its data, without a new store (F-13, durability)', async () => {
    await store.set(GRANTS.key('g1'), { sub: 'u1' }, MINUTE);
    await server.stop();

    for (const [, operation] of everyOperation(store)) await expectFastUnavailable(operation);
    const flood = await Promise.allSettled(Array.from({ length: 100 }, () => store.get(GRANTS.key('g1'))));
    expect(flood.every((r) => r.status === 'rejected' && r.reason instanceof StorageUnavailableError)).toBe(true);
    expect(errors).toHaveBeenCalledTimes(1); // the outage is logged once, not per reconnect attempt

    await server.restart();
    expect(await eventually(() => store.get(GRANTS.key('g1')))).toEqual({ sub: 'u1' });
    for (const [name, operation] of everyOperation(store)) {
      await expect(operation().then(() => name)).resolves.toBe(name);
    }
  });

  it('fails commands in flight when Redis dies, without re-sending them after reconnecting', async () => {
    await store.set(CODES.key('c'), { grantId: 'g' }, MINUTE);
    const slow = new RedisStore({ url: server.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 10_000 });
    try {
      expect(await slow.waitUntilReady(5000)).toBe(true);
      await server.command('CLIENT', 'PAUSE', 5000, 'ALL');
      const inFlight = slow.consume(CODES.key('c'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await server.kill(); // SIGKILL while the GETDEL waits behind the pause
      await expectFastUnavailable(() => inFlight);
      await server.restart();
      await eventually(() => slow.get(CODES.key('c')));
      // Re-sending the GETDEL on reconnect would have consumed the code behind the caller's back.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await slow.get(CODES.key('c'))).toEqual({ grantId: 'g' });
    } finally {
      await slow.close();
    }
  });

  it('times out with the typed error while Redis is paused, and keeps answers matched afterwards (F-13)', async () => {
    await store.set(CODES.key('a'), { grantId: 'a' }, MINUTE);
    await store.set(CODES.key('b'), { grantId: 'b' }, MINUTE);
    await server.command('CLIENT', 'PAUSE', 1500, 'ALL');
    const elapsed = await expectFastUnavailable(() => store.get(CODES.key('a')));
    expect(elapsed).toBeGreaterThanOrEqual(250); // the command timeout fired ...
    expect(elapsed).toBeLessThan(1400); // ... long before the pause ended
    await expectFastUnavailable(() => store.set(CODES.key('late'), { grantId: 'late' }, MINUTE));
    // The late answers to the timed-out commands must not be taken for the next ones.
    expect(await eventually(() => store.get(CODES.key('b')))).toEqual({ grantId: 'b' });
    expect(await store.get(CODES.key('a'))).toEqual({ grantId: 'a' });
    // A timed-out write has an unknown outcome: Redis ran it when the pause ended. Callers
    // must treat a 503 from a write as "maybe applied" (see docs/storage.md).
    expect(await store.get(CODES.key('late'))).toEqual({ grantId: 'late' });
  });

  it('never half-applies a commit that fails: the code stays redeemable (F-14, S-06)', async () => {
    await store.set(CODES.secret('code'), { grantId: 'g1' }, MINUTE);
    const redeem = () =>
      store.commit({
        consume: [CODES.secret('code')],
        set: [
          { key: GRANTS.key('g1'), value: { sub: 'u1' }, ttlMs: MINUTE },
          { key: REFRESH.secret('rt'), value: { grantId: 'g1' }, ttlMs: MINUTE },
        ],
      });
    await server.stop();
    await expectFastUnavailable(redeem);
    await server.restart();
    expect(await eventually(() => store.get(CODES.secret('code')))).toEqual({ grantId: 'g1' });
    expect(await store.get(GRANTS.key('g1'))).toBeUndefined();
    expect(await eventually(redeem)).toEqual({ ok: true, consumed: [{ grantId: 'g1' }] });
    expect(await store.get(REFRESH.secret('rt'))).toEqual({ grantId: 'g1' });
  });

  it('keeps records and their TTLs across a restart of redis-server (AOF)', async () => {
    await store.set(GRANTS.key('g1'), { sub: 'u1' }, MINUTE);
    await store.set(CODES.key('spent'), { grantId: 'g1' }, MINUTE);
    await store.consume(CODES.key('spent'));
    await store.increment(COUNTERS.key('ip'), MINUTE, 3);
    await store.commit({ set: [{ key: REFRESH.key('rt'), value: { grantId: 'g1' }, ttlMs: 2 * MINUTE }] });
    await server.restart();
    expect(await eventually(() => store.get(GRANTS.key('g1')))).toEqual({ sub: 'u1' });
    expect(await store.get(CODES.key('spent'))).toBeUndefined();
    expect(await store.get(COUNTERS.key('ip'))).toBe(3);
    expect(await store.get(REFRESH.key('rt'))).toEqual({ grantId: 'g1' });
    const admin = server.admin();
    try {
      const grantTtl = await admin.pttl(`${store.keyPrefix}grant:g1`);
      const rtTtl = await admin.pttl(`${store.keyPrefix}rt:rt`);
      expect(grantTtl).toBeGreaterThan(0);
      expect(grantTtl).toBeLessThanOrEqual(MINUTE);
      expect(rtTtl).toBeGreaterThan(MINUTE);
      expect(rtTtl).toBeLessThanOrEqual(2 * MINUTE);
    } finally {
      await admin.quit();
    }
  });

  it('reads missing records, not errors, after Redis lost its data (F-12 FLUSHALL)', async () => {
    await store.set(CODES.secret('code'), { grantId: 'g1' }, MINUTE);
    await store.set(GRANTS.key('g1'), { sub: 'u1' }, MINUTE);
    await store.set(REFRESH.secret('rt1'), { grantId: 'g1' }, MINUTE);
    await store.increment(COUNTERS.key('ip'), MINUTE, 7);
    await server.command('FLUSHALL');
    expect(await store.get(GRANTS.key('g1'))).toBeUndefined();
    expect(await store.consume(CODES.secret('code'))).toBeUndefined();
    const rotation = await store.commit({
      consume: [REFRESH.secret('rt1')],
      check: [{ key: GRANTS.key('g1'), exists: true }],
      set: [{ key: REFRESH.secret('rt2'), value: { grantId: 'g1' }, ttlMs: MINUTE }],
    });
    expect(rotation).toEqual({ ok: false, failed: REFRESH.secret('rt1') });
    expect((await store.increment(COUNTERS.key('ip'), MINUTE)).value).toBe(1);
  });

  it('starts while Redis is down, answers 503, and connects once it is up', async () => {
    await server.stop();
    const started = performance.now();
    const late = await createStore(
      { type: 'redis', url: server.url, connectTimeoutMs: 300, commandTimeoutMs: 300 },
      systemClock,
    );
    try {
      expect(performance.now() - started).toBeLessThan(FAST_MS);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining('not reachable after 300 ms'));
      await expectFastUnavailable(() => late.get(GRANTS.key('g')));
      await server.restart();
      await eventually(() => late.set(GRANTS.key('g'), { sub: 'u' }, MINUTE));
      expect(await late.get(GRANTS.key('g'))).toEqual({ sub: 'u' });
    } finally {
      await late.close();
    }
  });
});

describe('RedisStore under memory pressure (S-07)', () => {
  let server: RedisServer;
  let store: RedisStore;

  beforeAll(async () => {
    server = await RedisServer.start({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru'] });
    store = new RedisStore({ url: server.url, keyPrefix: 'm:' });
    await store.waitUntilReady(5000);
  });
  afterAll(async () => {
    await store.close();
    await server.destroy();
  });

  it('with allkeys-lru, evicted records read as missing, never as another record', async () => {
    const count = 3000; // ~1 KiB each: about three times what 2 MB of maxmemory can hold
    for (let start = 0; start < count; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const id = start + i;
          return store.set(PADDED.key(`c${id}`), { id, owner: `user-${id}`, pad: 'x'.repeat(1000) }, MINUTE);
        }),
      );
    }
    const read = await Promise.all(Array.from({ length: count }, (_, id) => store.get(PADDED.key(`c${id}`))));
    const kept = read.filter((r) => r !== undefined);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(count); // evictions happened
    const misattributed = read.filter((record, id) => record !== undefined && record.owner !== `user-${id}`);
    expect(misattributed).toEqual([]);
    const evicted = read.findIndex((r) => r === undefined);
    expect(await store.commit({ consume: [PADDED.key(`c${evicted}`)] })).toEqual({
      ok: false,
      failed: PADDED.key(`c${evicted}`),
    });
  });

  it('with noeviction (the recommendation), a full Redis refuses writes with the typed 503 and keeps every record', async () => {
    await server.command('FLUSHALL');
    await server.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    const written: number[] = [];
    let refusal: unknown;
    for (let id = 0; id < 5000 && refusal === undefined; id += 1) {
      try {
        await store.set(PADDED.key(`n${id}`), { id, owner: `user-${id}`, pad: 'x'.repeat(1000) }, MINUTE);
        written.push(id);
      } catch (error) {
        refusal = error;
      }
    }
    expect(refusal).toBeInstanceOf(StorageUnavailableError);
    expect(String((refusal as Error).cause)).toContain('OOM');
    // Stay clearly over the limit from here on (a refused write leaves memory right at it).
    await server.command('CONFIG', 'SET', 'maxmemory', '1mb');
    // A commit that writes is refused as a whole: the record it would consume stays.
    await expect(
      store.commit({
        consume: [PADDED.key('n0')],
        set: [{ key: PADDED.key('new'), value: { id: -1, owner: 'x', pad: '' }, ttlMs: MINUTE }],
      }),
    ).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(await store.get(PADDED.key('new'))).toBeUndefined();
    const read = await Promise.all(written.map((id) => store.get(PADDED.key(`n${id}`))));
    expect(read.every((record, i) => record?.id === written[i])).toBe(true);
    // Consuming frees memory, so it keeps working: codes can still be redeemed or revoked.
    expect(await store.consume(PADDED.key('n0'))).toMatchObject({ id: 0 });
    expect(await store.commit({ consume: [PADDED.key('n1')], delete: [PADDED.key('n2')] })).toMatchObject({ ok: true });
  });
});

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { McpAuthStore, StoreCommitResult } from './mcp-auth-store.interface.js';
import { secretKey } from './secret-key.js';
import { MAX_STORE_KEY_LENGTH, StoreNamespace, type StoreKey } from './store-key.js';

/**
 * A store under test and control over its notion of time.
 * @internal test helper, not part of the published API
 */
export interface StoreHarness {
  store: McpAuthStore;
  /** Lets `ms` milliseconds pass for the store's expiry (an injected clock, or real time). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

interface Grant {
  sub: string;
  scope: string;
}

const RECORDS = new StoreNamespace<Record<string, unknown>>('record');
const OTHER = new StoreNamespace<Record<string, unknown>>('other');
const CODES = new StoreNamespace<{ grantId: string }>('code');
const TOKENS = new StoreNamespace<{ caller: number }>('token');
const GRANTS = new StoreNamespace<Grant>('grant');
const REFRESH = new StoreNamespace<{ grantId: string }>('rt');
const COUNTERS = new StoreNamespace<number>('rl');
const MINUTE = 60_000;
const CONCURRENCY = 50;

/**
 * The behaviour every {@link McpAuthStore} must have. Run it against each implementation with
 * a factory that returns a fresh, empty store per test.
 *
 * @example
 * ```ts
 * describeStoreContract('MemoryStore', async () => { ... return { store, advance, close }; });
 * ```
 * @internal test helper, not part of the published API
 */
export function describeStoreContract(name: string, factory: () => Promise<StoreHarness>): void {
  describe(`McpAuthStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: McpAuthStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.close();
    });

    describe('records', () => {
      it('returns undefined for a missing record', async () => {
        expect(await store.get(RECORDS.key('missing'))).toBeUndefined();
      });

      it('stores JSON values of every kind', async () => {
        const values: unknown[] = [{ a: { b: [1, 'two', null, true] } }, [1, 2], 'text', 0, -1.5, true, false, null];
        const key = new StoreNamespace<unknown>('json');
        for (const [i, value] of values.entries()) await store.set(key.key(String(i)), value, MINUTE);
        for (const [i, value] of values.entries()) expect(await store.get(key.key(String(i)))).toEqual(value);
      });

      it('returns copies: changing a written or read value changes nothing stored', async () => {
        const value = { list: [1] };
        await store.set(RECORDS.key('copy'), value, MINUTE);
        value.list.push(2);
        const read = (await store.get(RECORDS.key('copy'))) as { list: number[] };
        read.list.push(3);
        expect(await store.get(RECORDS.key('copy'))).toEqual({ list: [1] });
      });

      it('stores what JSON keeps: undefined members vanish, dates become strings', async () => {
        await store.set(RECORDS.key('lossy'), { gone: undefined, at: new Date(0) }, MINUTE);
        expect(await store.get(RECORDS.key('lossy'))).toEqual({ at: '1970-01-01T00:00:00.000Z' });
      });

      it.each([
        ['undefined', undefined],
        ['a function', () => 1],
        ['a BigInt', 1n],
        ['a cycle', cyclic()],
      ])('refuses %s as a value and writes nothing', async (_label, value) => {
        const key = RECORDS.key('bad-value');
        await expect(store.set(key, value as never, MINUTE)).rejects.toThrow(TypeError);
        await expect(store.setIfAbsent(key, value as never, MINUTE)).rejects.toThrow(TypeError);
        await expect(store.commit({ set: [{ key, value, ttlMs: MINUTE }] })).rejects.toThrow(TypeError);
        expect(await store.get(key)).toBeUndefined();
      });

      it('keeps namespaces apart', async () => {
        await store.set(RECORDS.key('same'), { from: 'record' }, MINUTE);
        await store.set(OTHER.key('same'), { from: 'other' }, MINUTE);
        expect(await store.get(RECORDS.key('same'))).toEqual({ from: 'record' });
        expect(await store.get(OTHER.key('same'))).toEqual({ from: 'other' });
        expect(await store.consume(OTHER.key('same'))).toEqual({ from: 'other' });
        expect(await store.get(RECORDS.key('same'))).toEqual({ from: 'record' });
      });

      it('accepts any key content up to the maximum length', async () => {
        const keys = ['a:b:c', 'with space', 'ünïcødé ✓', '*?[]', 'x'.repeat(MAX_STORE_KEY_LENGTH)];
        for (const [i, id] of keys.entries()) await store.set(RECORDS.key(id), { i }, MINUTE);
        for (const [i, id] of keys.entries()) expect(await store.get(RECORDS.key(id))).toEqual({ i });
        // `record` + `a:b:c` must not collide with namespace `record:a` + `b:c`.
        expect(await store.get({ namespace: 'record', key: 'a:b' })).toBeUndefined();
      });

      it.each([
        ['an empty key', { namespace: 'record', key: '' }],
        ['a key over the maximum length', { namespace: 'record', key: 'x'.repeat(MAX_STORE_KEY_LENGTH + 1) }],
        ['a namespace with a colon', { namespace: 'rec:ord', key: 'k' }],
        ['an empty namespace', { namespace: '', key: 'k' }],
        ['a non-string key', { namespace: 'record', key: 42 }],
      ])('refuses %s', async (_label, key) => {
        const bad = key as unknown as StoreKey<unknown>;
        await expect(store.get(bad)).rejects.toThrow(TypeError);
        await expect(store.set(bad, 1, MINUTE)).rejects.toThrow(TypeError);
        await expect(store.consume(bad)).rejects.toThrow(TypeError);
        await expect(store.commit({ delete: [bad] })).rejects.toThrow(TypeError);
      });

      it('addresses secrets by their hash only', async () => {
        const code = 'raw-authorization-code-0123456789';
        await store.set(CODES.secret(code), { grantId: 'g1' }, MINUTE);
        expect(CODES.secret(code).key).toBe(secretKey(code));
        expect(CODES.secret(code).key).not.toContain(code);
        expect(await store.get(CODES.key(secretKey(code)))).toEqual({ grantId: 'g1' });
        expect(await store.get(CODES.key(code))).toBeUndefined();
      });

      it('deletes records and reports whether one existed', async () => {
        await store.set(RECORDS.key('d'), {}, MINUTE);
        expect(await store.delete(RECORDS.key('d'))).toBe(true);
        expect(await store.delete(RECORDS.key('d'))).toBe(false);
        expect(await store.get(RECORDS.key('d'))).toBeUndefined();
      });
    });

    describe('time to live', () => {
      it('expires records after their TTL', async () => {
        await store.set(RECORDS.key('ttl'), { v: 1 }, 300);
        await harness.advance(100);
        expect(await store.get(RECORDS.key('ttl'))).toEqual({ v: 1 });
        await harness.advance(300);
        expect(await store.get(RECORDS.key('ttl'))).toBeUndefined();
        expect(await store.consume(RECORDS.key('ttl'))).toBeUndefined();
        expect(await store.delete(RECORDS.key('ttl'))).toBe(false);
      });

      it('restarts the TTL when a record is replaced', async () => {
        await store.set(RECORDS.key('renew'), { v: 1 }, 300);
        await harness.advance(200);
        await store.set(RECORDS.key('renew'), { v: 2 }, 300);
        await harness.advance(200);
        expect(await store.get(RECORDS.key('renew'))).toEqual({ v: 2 });
      });

      it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, '1000'])(
        'refuses the TTL %p in every write, writing nothing (F-17)',
        async (ttl) => {
          const key = RECORDS.key('bad-ttl');
          const ttlMs = ttl as number;
          await expect(store.set(key, {}, ttlMs)).rejects.toThrow(RangeError);
          await expect(store.setIfAbsent(key, {}, ttlMs)).rejects.toThrow(RangeError);
          await expect(store.increment(COUNTERS.key('bad-ttl'), ttlMs)).rejects.toThrow(RangeError);
          await expect(store.commit({ set: [{ key, value: {}, ttlMs }] })).rejects.toThrow(RangeError);
          expect(await store.get(key)).toBeUndefined();
          expect(await store.get(COUNTERS.key('bad-ttl'))).toBeUndefined();
        },
      );

      it('rounds a fractional TTL up instead of refusing it', async () => {
        await store.set(RECORDS.key('fraction'), { v: 1 }, 1000.4);
        expect(await store.get(RECORDS.key('fraction'))).toEqual({ v: 1 });
      });
    });

    describe('setIfAbsent', () => {
      it('creates a record only when none exists', async () => {
        expect(await store.setIfAbsent(RECORDS.key('nx'), { v: 1 }, MINUTE)).toBe(true);
        expect(await store.setIfAbsent(RECORDS.key('nx'), { v: 2 }, MINUTE)).toBe(false);
        expect(await store.get(RECORDS.key('nx'))).toEqual({ v: 1 });
      });

      it('creates it again once the previous one expired', async () => {
        expect(await store.setIfAbsent(RECORDS.key('nx-ttl'), { v: 1 }, 200)).toBe(true);
        await harness.advance(300);
        expect(await store.setIfAbsent(RECORDS.key('nx-ttl'), { v: 2 }, MINUTE)).toBe(true);
        expect(await store.get(RECORDS.key('nx-ttl'))).toEqual({ v: 2 });
      });

      it(`lets exactly one of ${CONCURRENCY} concurrent callers create it`, async () => {
        const results = await Promise.all(
          Array.from({ length: CONCURRENCY }, (_, caller) =>
            store.setIfAbsent(RECORDS.key('race'), { caller }, MINUTE),
          ),
        );
        const winner = results.indexOf(true);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(RECORDS.key('race'))).toEqual({ caller: winner });
      });
    });

    describe('update', () => {
      it('replaces an existing record and keeps its remaining TTL', async () => {
        await store.set(GRANTS.key('g'), { sub: 'u1', scope: 'a' }, 400);
        await harness.advance(250);
        expect(await store.update(GRANTS.key('g'), { sub: 'u1', scope: 'a b' })).toBe(true);
        expect(await store.get(GRANTS.key('g'))).toEqual({ sub: 'u1', scope: 'a b' });
        await harness.advance(250);
        expect(await store.get(GRANTS.key('g'))).toBeUndefined();
      });

      it('creates nothing when the record is absent or expired', async () => {
        expect(await store.update(GRANTS.key('none'), { sub: 'u1', scope: 'a' })).toBe(false);
        expect(await store.get(GRANTS.key('none'))).toBeUndefined();
        await store.set(GRANTS.key('old'), { sub: 'u1', scope: 'a' }, 200);
        await harness.advance(300);
        expect(await store.update(GRANTS.key('old'), { sub: 'u1', scope: 'a' })).toBe(false);
        expect(await store.get(GRANTS.key('old'))).toBeUndefined();
      });

      it('refuses values without a JSON form, leaving the record unchanged', async () => {
        await store.set(GRANTS.key('g'), { sub: 'u1', scope: 'a' }, MINUTE);
        await expect(store.update(GRANTS.key('g'), undefined as never)).rejects.toThrow(TypeError);
        expect(await store.get(GRANTS.key('g'))).toEqual({ sub: 'u1', scope: 'a' });
      });
    });

    describe('consume', () => {
      it('returns the record once and deletes it', async () => {
        await store.set(CODES.secret('code-1'), { grantId: 'g1' }, MINUTE);
        expect(await store.consume(CODES.secret('code-1'))).toEqual({ grantId: 'g1' });
        expect(await store.consume(CODES.secret('code-1'))).toBeUndefined();
        expect(await store.get(CODES.secret('code-1'))).toBeUndefined();
      });

      it(`gives a code to exactly one of ${CONCURRENCY} concurrent consumers`, async () => {
        await store.set(CODES.secret('hot-code'), { grantId: 'g1' }, MINUTE);
        const results = await Promise.all(
          Array.from({ length: CONCURRENCY }, () => store.consume(CODES.secret('hot-code'))),
        );
        expect(results.filter((r) => r !== undefined)).toEqual([{ grantId: 'g1' }]);
      });
    });

    describe('increment', () => {
      it('counts from the step and reports the time left in the window', async () => {
        const key = COUNTERS.key('ip:127.0.0.1');
        const first = await store.increment(key, MINUTE);
        expect(first.value).toBe(1);
        expect(first.ttlMs).toBeGreaterThan(MINUTE - 1000);
        expect(first.ttlMs).toBeLessThanOrEqual(MINUTE);
        expect((await store.increment(key, MINUTE)).value).toBe(2);
        expect((await store.increment(key, MINUTE, 5)).value).toBe(7);
        expect(await store.get(key)).toBe(7);
      });

      it('keeps the first TTL: the window does not slide', async () => {
        const key = COUNTERS.key('window');
        await store.increment(key, 400);
        await harness.advance(250);
        const second = await store.increment(key, 400);
        expect(second.value).toBe(2);
        expect(second.ttlMs).toBeLessThanOrEqual(150);
        await harness.advance(250);
        expect((await store.increment(key, 400)).value).toBe(1);
      });

      it('refuses to count a record that is not an integer, leaving it unchanged', async () => {
        const key = COUNTERS.key('not-a-counter');
        await store.set(key as StoreKey<unknown>, { v: 1 }, MINUTE);
        await expect(store.increment(key, MINUTE)).rejects.toThrow(TypeError);
        await store.set(key as StoreKey<unknown>, 1.5, MINUTE);
        await expect(store.increment(key, MINUTE)).rejects.toThrow(TypeError);
        expect(await store.get(key)).toBe(1.5);
      });

      it.each([0, -1, 1.5, Number.NaN])('refuses the step %p', async (by) => {
        await expect(store.increment(COUNTERS.key('step'), MINUTE, by)).rejects.toThrow(RangeError);
        expect(await store.get(COUNTERS.key('step'))).toBeUndefined();
      });

      it(`counts every one of ${CONCURRENCY} concurrent increments`, async () => {
        const results = await Promise.all(
          Array.from({ length: CONCURRENCY }, () => store.increment(COUNTERS.key('flood'), MINUTE)),
        );
        expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(
          Array.from({ length: CONCURRENCY }, (_, i) => i + 1),
        );
      });
    });

    describe('commit', () => {
      it('consumes, checks, deletes and writes in one step, returning the consumed values in order', async () => {
        await store.set(CODES.key('c1'), { grantId: 'g1' }, MINUTE);
        await store.set(RECORDS.key('r1'), { n: 1 }, MINUTE);
        await store.set(RECORDS.key('stale'), {}, MINUTE);
        await store.set(GRANTS.key('g1'), { sub: 'u1', scope: 'a' }, MINUTE);
        const result = await store.commit({
          consume: [CODES.key('c1'), RECORDS.key('r1')],
          check: [
            { key: GRANTS.key('g1'), exists: true },
            { key: GRANTS.key('g2'), exists: false },
            { key: GRANTS.key('g1'), equals: { sub: 'u1', scope: 'a' } },
          ],
          set: [{ key: REFRESH.key('rt1'), value: { grantId: 'g1' }, ttlMs: MINUTE }],
          delete: [RECORDS.key('stale'), RECORDS.key('never-existed')],
        });
        expect(result).toEqual({ ok: true, consumed: [{ grantId: 'g1' }, { n: 1 }] });
        // The consumed values are typed from the keys.
        const typed: StoreCommitResult<[{ grantId: string }, Record<string, unknown>]> = result;
        expect(typed.ok).toBe(true);
        expect(await store.get(CODES.key('c1'))).toBeUndefined();
        expect(await store.get(RECORDS.key('r1'))).toBeUndefined();
        expect(await store.get(RECORDS.key('stale'))).toBeUndefined();
        expect(await store.get(REFRESH.key('rt1'))).toEqual({ grantId: 'g1' });
      });

      it('applies an empty transaction', async () => {
        expect(await store.commit({})).toEqual({ ok: true, consumed: [] });
      });

      it('changes nothing when a record to consume is missing, and names it', async () => {
        await store.set(CODES.key('present'), { grantId: 'g1' }, MINUTE);
        await store.set(RECORDS.key('keep'), {}, MINUTE);
        const result = await store.commit({
          consume: [CODES.key('present'), CODES.key('absent')],
          set: [{ key: REFRESH.key('rt'), value: { grantId: 'g1' }, ttlMs: MINUTE }],
          delete: [RECORDS.key('keep')],
        });
        expect(result).toEqual({ ok: false, failed: CODES.key('absent') });
        expect(await store.get(CODES.key('present'))).toEqual({ grantId: 'g1' });
        expect(await store.get(RECORDS.key('keep'))).toEqual({});
        expect(await store.get(REFRESH.key('rt'))).toBeUndefined();
      });

      it.each([
        ['a record that must exist is missing', { key: GRANTS.key('missing'), exists: true }],
        ['a record that must be absent exists', { key: GRANTS.key('g1'), exists: false }],
        ['a record differs from the expected value', { key: GRANTS.key('g1'), equals: { sub: 'u2', scope: 'a' } }],
        ['a record expected to equal a value is missing', { key: GRANTS.key('missing'), equals: { sub: 'u1' } }],
      ])('changes nothing when %s', async (_label, condition) => {
        await store.set(GRANTS.key('g1'), { sub: 'u1', scope: 'a' }, MINUTE);
        await store.set(CODES.key('c'), { grantId: 'g1' }, MINUTE);
        const result = await store.commit({
          consume: [CODES.key('c')],
          check: [condition],
          set: [{ key: REFRESH.key('rt'), value: { grantId: 'g1' }, ttlMs: MINUTE }],
        });
        expect(result).toEqual({ ok: false, failed: condition.key });
        expect(await store.get(CODES.key('c'))).toEqual({ grantId: 'g1' });
        expect(await store.get(REFRESH.key('rt'))).toBeUndefined();
      });

      it('treats expired records as missing', async () => {
        await store.set(CODES.key('short'), { grantId: 'g1' }, 200);
        await store.set(GRANTS.key('short'), { sub: 'u1', scope: 'a' }, 200);
        await harness.advance(300);
        expect((await store.commit({ consume: [CODES.key('short')] })).ok).toBe(false);
        expect((await store.commit({ check: [{ key: GRANTS.key('short'), exists: true }] })).ok).toBe(false);
        expect((await store.commit({ check: [{ key: GRANTS.key('short'), exists: false }] })).ok).toBe(true);
      });

      it('validates the whole transaction before changing anything', async () => {
        await store.set(CODES.key('c'), { grantId: 'g1' }, MINUTE);
        await expect(
          store.commit({
            consume: [CODES.key('c')],
            set: [
              { key: REFRESH.key('ok'), value: { grantId: 'g1' }, ttlMs: MINUTE },
              { key: REFRESH.key('bad'), value: { grantId: 'g1' }, ttlMs: Number.NaN },
            ],
          }),
        ).rejects.toThrow(RangeError);
        expect(await store.get(CODES.key('c'))).toEqual({ grantId: 'g1' });
        expect(await store.get(REFRESH.key('ok'))).toBeUndefined();
      });

      it('refuses a key that is both written and removed', async () => {
        await expect(
          store.commit({ consume: [RECORDS.key('x')], set: [{ key: RECORDS.key('x'), value: {}, ttlMs: MINUTE }] }),
        ).rejects.toThrow(TypeError);
      });

      it(`redeems a code for exactly one of ${CONCURRENCY} concurrent token requests (F-14, TK-03)`, async () => {
        await store.set(CODES.secret('code'), { grantId: 'g1' }, MINUTE);
        const results = await Promise.all(
          Array.from({ length: CONCURRENCY }, (_, caller) =>
            store.commit({
              consume: [CODES.secret('code')],
              set: [{ key: TOKENS.key(String(caller)), value: { caller }, ttlMs: MINUTE }],
            }),
          ),
        );
        const winners = results.flatMap((result, caller) => (result.ok ? [caller] : []));
        expect(winners).toHaveLength(1);
        const written = await Promise.all(results.map((_, caller) => store.get(TOKENS.key(String(caller)))));
        expect(written.filter((w) => w !== undefined)).toEqual([{ caller: winners[0] }]);
      });

      it('rotates refresh tokens so that a revoked grant never keeps a live token (R-01, R-02)', async () => {
        // The recipe of docs/storage.md: a rotation consumes the old token and requires the
        // grant; revocation deletes the grant. Whatever their order, no rotation succeeds
        // after the revocation.
        await store.set(GRANTS.key('g'), { sub: 'u1', scope: 'a' }, MINUTE);
        await store.set(REFRESH.key('rt1'), { grantId: 'g' }, MINUTE);
        const rotate = (from: string, to: string) =>
          store.commit({
            consume: [REFRESH.key(from)],
            check: [{ key: GRANTS.key('g'), exists: true }],
            set: [{ key: REFRESH.key(to), value: { grantId: 'g' }, ttlMs: MINUTE }],
          });
        expect((await rotate('rt1', 'rt2')).ok).toBe(true);
        expect((await rotate('rt1', 'rt2b')).ok).toBe(false); // replay of rt1
        const [rotation, revoked] = await Promise.all([rotate('rt2', 'rt3'), store.delete(GRANTS.key('g'))]);
        expect(revoked).toBe(true);
        const live = rotation.ok ? 'rt3' : 'rt2';
        expect(await store.get(REFRESH.key(live))).toBeDefined();
        expect((await rotate(live, 'rt4')).ok).toBe(false); // the grant is gone: nothing rotates
        expect(await store.get(REFRESH.key('rt4'))).toBeUndefined();
      });
    });
  });
}

function cyclic(): unknown {
  const value: { self?: unknown } = {};
  value.self = value;
  return value;
}

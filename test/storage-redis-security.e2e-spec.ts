import type { Redis } from 'ioredis';
import type { McpAuthClock } from '../lib/core/clock.js';
import { createStore } from '../lib/storage/create-store.js';
import { tryAcquireLock } from '../lib/storage/distributed-lock.js';
import type { McpAuthStore } from '../lib/storage/mcp-auth-store.interface.js';
import { generateRecordKey, RecordCipher, type Sealed } from '../lib/storage/record-cipher.js';
import { RedisStore } from '../lib/storage/redis-store.js';
import { generateSecret } from '../lib/storage/secret-key.js';
import { SingleFlight } from '../lib/storage/single-flight.js';
import { RecordDecryptionError } from '../lib/storage/storage.errors.js';
import { StoreNamespace } from '../lib/storage/store-key.js';
import { RedisServer } from './helpers/redis-server.js';

// Storage-level parts of security catalog S-01, S-02, S-04, S-08, F-18 and the single flight
// across instances, with two stores (two "instances") sharing one real redis-server.

interface UpstreamTokens {
  access_token: string;
  refresh_token: string;
}
interface GrantRecord {
  sub: string;
  clientId: string;
  upstream: Sealed<UpstreamTokens>;
}

const GRANTS = new StoreNamespace<GrantRecord>('grant');
const CODES = new StoreNamespace<{ grantId: string }>('code');
const REFRESH = new StoreNamespace<{ grantId: string }>('rt');
const CLIENTS = new StoreNamespace<{ clientSecretHash: string }>('client');
const MINUTE = 60_000;

const skewedClock = (offsetMs: number): McpAuthClock => ({ now: () => Date.now() + offsetMs });

/** Every key of the server with its value and remaining TTL (security catalog `keys()`). */
async function dump(admin: Redis): Promise<Array<{ key: string; value: string; ttl: number }>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', '*', 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return Promise.all(
    keys.map(async (key) => ({ key, value: (await admin.get(key)) ?? '', ttl: await admin.pttl(key) })),
  );
}

describe('Redis storage shared by two instances', () => {
  let server: RedisServer;
  let admin: Redis;
  let app1: McpAuthStore;
  let app2: McpAuthStore;
  const cipher = new RecordCipher([{ id: 'k1', key: generateRecordKey() }]);

  beforeAll(async () => {
    server = await RedisServer.start();
    admin = server.admin();
    // Two instances whose clocks disagree by four minutes (F-18): expiry must not care.
    app1 = await createStore({ type: 'redis', url: server.url }, skewedClock(+2 * MINUTE));
    app2 = await createStore({ type: 'redis', url: server.url }, skewedClock(-2 * MINUTE));
  });
  afterAll(async () => {
    await app1.close();
    await app2.close();
    await admin.quit();
    await server.destroy();
  });
  beforeEach(async () => {
    await admin.flushall();
  });

  it('keeps no secret in plaintext at rest, and a TTL on every key (S-01, S-02, R-11)', async () => {
    const upstream = {
      access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a',
      refresh_token: 'ghr_1B4a2e77838347a7E420ce178F2E7c6912E1',
    };
    const code = generateSecret();
    const refreshToken = generateSecret();
    const clientSecret = generateSecret();
    const grantKey = GRANTS.key('grant-1');
    await app1.set(CLIENTS.key('client-1'), { clientSecretHash: CLIENTS.secret(clientSecret).key }, 30 * MINUTE);
    await app1.set(CODES.secret(code), { grantId: 'grant-1' }, 5 * MINUTE);
    const redeemed = await app2.commit({
      consume: [CODES.secret(code)],
      set: [
        {
          key: grantKey,
          value: { sub: 'u1', clientId: 'client-1', upstream: await cipher.seal(upstream, grantKey) },
          ttlMs: 30 * MINUTE,
        },
        { key: REFRESH.secret(refreshToken), value: { grantId: 'grant-1' }, ttlMs: 30 * MINUTE },
      ],
    });
    expect(redeemed.ok).toBe(true);

    const records = await dump(admin);
    expect(records.map((r) => r.key).sort()).toEqual(
      [`mcp-auth:client:client-1`, `mcp-auth:grant:grant-1`, `mcp-auth:rt:${REFRESH.secret(refreshToken).key}`].sort(),
    );
    const forbidden = [
      upstream.access_token,
      upstream.refresh_token,
      'gho_',
      'ghr_',
      'ya29.',
      '1//',
      code,
      refreshToken,
      clientSecret,
    ];
    for (const { key, value, ttl } of records) {
      for (const secret of forbidden) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
      expect(ttl).toBeGreaterThan(0);
    }
    // The instance that did not write the grant reads and opens it.
    const grant = await app1.get(grantKey);
    expect(await cipher.open(grant!.upstream, grantKey)).toEqual(upstream);
  });

  it("refuses another user's sealed upstream tokens copied into a grant (S-04)", async () => {
    const [keyU1, keyU2] = [GRANTS.key('grant-u1'), GRANTS.key('grant-u2')];
    const sealFor = async (sub: string, key: typeof keyU1) =>
      ({
        sub,
        clientId: 'c',
        upstream: await cipher.seal({ access_token: `gho_${sub}`, refresh_token: `ghr_${sub}` }, key),
      }) as GrantRecord;
    await app1.set(keyU1, await sealFor('u1', keyU1), MINUTE);
    await app1.set(keyU2, await sealFor('u2', keyU2), MINUTE);
    // An attacker with write access to Redis swaps u1's ciphertext into u2's grant.
    const u1 = JSON.parse((await admin.get('mcp-auth:grant:grant-u1'))!) as GrantRecord;
    const u2 = JSON.parse((await admin.get('mcp-auth:grant:grant-u2'))!) as GrantRecord;
    await admin.set('mcp-auth:grant:grant-u2', JSON.stringify({ ...u2, upstream: u1.upstream }), 'PX', MINUTE);
    const swapped = (await app2.get(keyU2))!;
    const error = await cipher.open(swapped.upstream, keyU2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordDecryptionError);
    expect((error as RecordDecryptionError).reason).toBe('context_mismatch');
  });

  it('lets a code issued on one instance be redeemed once on the other, despite skewed clocks (S-08, F-18)', async () => {
    await app1.set(CODES.secret('code'), { grantId: 'g' }, 5 * MINUTE);
    // app1 runs two minutes ahead: an app-clock expiry would already be near; Redis decides alone.
    const ttl = await admin.pttl(`mcp-auth:code:${CODES.secret('code').key}`);
    expect(ttl).toBeGreaterThan(5 * MINUTE - 5000);
    expect(ttl).toBeLessThanOrEqual(5 * MINUTE);
    expect(JSON.parse((await admin.get(`mcp-auth:code:${CODES.secret('code').key}`))!)).toEqual({ grantId: 'g' });
    const [first, second] = await Promise.all([app2.consume(CODES.secret('code')), app1.consume(CODES.secret('code'))]);
    expect([first, second].filter(Boolean)).toEqual([{ grantId: 'g' }]);
  });

  it('expires records by the Redis TTL alone, for every instance at once (F-18)', async () => {
    await app1.set(REFRESH.key('short'), { grantId: 'g' }, MINUTE);
    await admin.pexpire(`mcp-auth:rt:short`, 50); // Redis time moves; the app clocks do not
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await app1.get(REFRESH.key('short'))).toBeUndefined();
    expect(await app2.get(REFRESH.key('short'))).toBeUndefined();
  });

  it('refreshes an upstream token once for 20 concurrent callers on two instances', async () => {
    const instances = [new SingleFlight(app1), new SingleFlight(app2)];
    let upstreamCalls = 0;
    const refresh = async () => {
      upstreamCalls += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { access_token: 'gho_new', expires_in: 3600 };
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => instances[i % 2]!.run('upstream-refresh:grant-1', refresh)),
    );
    expect(upstreamCalls).toBe(1);
    expect(results).toEqual(Array(20).fill({ access_token: 'gho_new', expires_in: 3600 }));
  });

  it('hands a single flight over when its owner crashed', async () => {
    void new SingleFlight(app1, { lockTtlMs: 300 }).run('stuck', () => new Promise<string>(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    expect(await new SingleFlight(app2, { lockTtlMs: 300 }).run('stuck', async () => 'recovered')).toBe('recovered');
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('releases a lock only for its owner; an expired owner cannot release the next one', async () => {
    const lease = (await tryAcquireLock(app1, 'refresh:g', 200))!;
    expect(await tryAcquireLock(app2, 'refresh:g', 200)).toBeUndefined();
    // A non-owner's compare-and-delete (what release() runs) changes nothing.
    expect(
      (
        await app2.commit({
          check: [{ key: { namespace: 'lock', key: 'refresh:g' }, equals: 'not-the-owner' }],
          delete: [{ namespace: 'lock', key: 'refresh:g' }],
        })
      ).ok,
    ).toBe(false);
    expect(await admin.get('mcp-auth:lock:refresh:g')).toBe(JSON.stringify(lease.owner));
    await new Promise((resolve) => setTimeout(resolve, 250)); // the owner "crashed": its TTL runs out
    const next = (await tryAcquireLock(app2, 'refresh:g', MINUTE))!;
    expect(next).toBeDefined();
    expect(await lease.release()).toBe(false);
    expect(await admin.get('mcp-auth:lock:refresh:g')).toBe(JSON.stringify(next.owner));
    expect(await next.release()).toBe(true);
    expect(await admin.exists('mcp-auth:lock:refresh:g')).toBe(0);
  });

  it('runs a store built by createStore as a RedisStore with the default prefix', () => {
    expect(app1).toBeInstanceOf(RedisStore);
    expect((app1 as RedisStore).keyPrefix).toBe('mcp-auth:');
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Redis } from 'ioredis';
import { RedisStore } from '../lib/storage/redis-store.js';
import { describeStoreContract } from '../lib/storage/store.contract.js';
import { StoreNamespace } from '../lib/storage/store-key.js';
import { secretKey } from '../lib/storage/secret-key.js';
import { RedisServer } from './helpers/redis-server.js';

const CODES = new StoreNamespace<{ grantId: string }>('code');
const RECORDS = new StoreNamespace<{ n: number }>('record');

let server: RedisServer;
let prefixes = 0;
const nextPrefix = () => `t${process.pid}-${(prefixes += 1)}:`;

beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.destroy();
});

describeStoreContract('RedisStore', async () => {
  const store = new RedisStore({ url: server.url, keyPrefix: nextPrefix() });
  await store.waitUntilReady(5000);
  return {
    store,
    advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    close: () => store.close(),
  };
});

describe('RedisStore on a real redis-server', () => {
  let store: RedisStore;
  let admin: Redis;

  beforeEach(async () => {
    store = new RedisStore({ url: server.url, keyPrefix: nextPrefix() });
    if (!(await store.waitUntilReady(5000))) throw new Error('Redis is not ready');
    admin = server.admin();
  });
  afterEach(async () => {
    await store.close();
    await admin.quit();
  });

  it('writes every key under its prefix and namespace, with a Redis TTL', async () => {
    await store.set(RECORDS.key('r1'), { n: 1 }, 60_000);
    await store.setIfAbsent(RECORDS.key('r2'), { n: 2 }, 60_000);
    await store.increment(new StoreNamespace<number>('rl').key('ip'), 60_000);
    await store.commit({ set: [{ key: RECORDS.key('r3'), value: { n: 3 }, ttlMs: 60_000 }] });
    const keys = (await admin.keys(`${store.keyPrefix}*`)).sort();
    expect(keys).toEqual([
      `${store.keyPrefix}record:r1`,
      `${store.keyPrefix}record:r2`,
      `${store.keyPrefix}record:r3`,
      `${store.keyPrefix}rl:ip`,
    ]);
    for (const key of keys) {
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect(await admin.get(`${store.keyPrefix}record:r1`)).toBe('{"n":1}');
  });

  it('keeps stores with different prefixes apart', async () => {
    const other = new RedisStore({ url: server.url, keyPrefix: nextPrefix() });
    try {
      await other.waitUntilReady(5000);
      await store.set(RECORDS.key('shared'), { n: 1 }, 60_000);
      expect(await other.get(RECORDS.key('shared'))).toBeUndefined();
      await other.set(RECORDS.key('shared'), { n: 2 }, 60_000);
      expect(await store.get(RECORDS.key('shared'))).toEqual({ n: 1 });
    } finally {
      await other.close();
    }
  });

  it('builds its own fail-fast connection from an existing client, leaving that client untouched', async () => {
    const client = new Redis(server.url, { lazyConnect: true, keyPrefix: 'app:' });
    const fromClient = new RedisStore({ client, keyPrefix: 'mcp:' });
    try {
      expect(await fromClient.waitUntilReady(5000)).toBe(true);
      expect(client.status).toBe('wait'); // the lazy client was not connected by the store
      await fromClient.set(RECORDS.key('via-client'), { n: 1 }, 60_000);
      // The client's own prefix composes with the store's.
      expect(await admin.get('app:mcp:record:via-client')).toBe('{"n":1}');
      expect(await fromClient.get(RECORDS.key('via-client'))).toEqual({ n: 1 });
    } finally {
      await fromClient.close();
      client.disconnect();
    }
  });

  it('re-loads its scripts when Redis forgot them (SCRIPT FLUSH, restart)', async () => {
    await store.set(CODES.key('c'), { grantId: 'g' }, 60_000);
    await admin.script('FLUSH');
    expect(await store.commit({ consume: [CODES.key('c')] })).toEqual({ ok: true, consumed: [{ grantId: 'g' }] });
    await admin.script('FLUSH');
    expect((await store.increment(new StoreNamespace<number>('rl').key('x'), 1000)).value).toBe(1);
  });

  it('is closed idempotently', async () => {
    await store.close();
    await store.close();
    await expect(store.get(RECORDS.key('x'))).rejects.toMatchObject({ status: 503 });
  });
});

describe('consume across two Node processes sharing Redis', () => {
  const artifacts = fileURLToPath(new URL('../test-artifacts/storage/', import.meta.url));
  const worker = `${artifacts}consume-worker-${process.pid}.mjs`;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    await build({
      entryPoints: [fileURLToPath(new URL('./fixtures/storage-consume-worker.ts', import.meta.url))],
      outfile: worker,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
  });
  afterAll(() => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    rmSync(worker, { force: true });
  });

  it('gives a code to exactly one of 50 concurrent consumers in two processes', async () => {
    const keyPrefix = nextPrefix();
    const code = 'cross-process-code-0123456789abcdef';
    const store = new RedisStore({ url: server.url, keyPrefix });
    await store.waitUntilReady(5000);
    try {
      const env = { ...process.env, REDIS_URL: server.url, KEY_PREFIX: keyPrefix, CODE: code, CONSUMERS: '25' };
      const processes = [0, 1].map(() => {
        const child = spawn(process.execPath, [worker], { env, stdio: ['pipe', 'pipe', 'inherit'] });
        children.push(child);
        return { child, lines: createInterface({ input: child.stdout! })[Symbol.asyncIterator]() };
      });
      for (const { lines } of processes) expect((await lines.next()).value).toBe('ready');
      await store.set(CODES.secret(code), { grantId: 'g1' }, 60_000);
      for (const { child } of processes) child.stdin!.write('go\n');
      const results = await Promise.all(
        processes.map(
          async ({ lines }) => JSON.parse((await lines.next()).value as string) as { won: number; values: unknown[] },
        ),
      );
      expect(results[0]!.won + results[1]!.won).toBe(1);
      expect([...results[0]!.values, ...results[1]!.values]).toEqual([{ grantId: 'g1' }]);
      const admin = server.admin();
      expect(await admin.exists(`${keyPrefix}code:${secretKey(code)}`)).toBe(0);
      await admin.quit();
      await Promise.all(
        processes.map(
          ({ child }) =>
            new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
        ),
      );
      expect(processes.map(({ child }) => child.exitCode)).toEqual([0, 0]);
    } finally {
      await store.close();
    }
  });
});

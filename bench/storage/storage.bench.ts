// Storage benchmark: operations per second of set, get, consume (and the commit of a code
// redemption, and a rate-limit increment) on MemoryStore and on RedisStore against a real
// redis-server on 127.0.0.1. Run it with bench/storage/run.sh (see bench/storage/README.md).
//
//   REDIS_URL=redis://127.0.0.1:6379  use that server instead of starting one (its data is
//                                      written under the prefix `bench:<pid>:` and removed)
//   BENCH_SCALE=0.1                   fewer operations, for a quick look
//   BENCH_ROUNDS=5                    measured rounds per configuration (the median is reported)
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/core/clock.js';
import type { McpAuthStore } from '../../lib/storage/mcp-auth-store.interface.js';
import { MemoryStore } from '../../lib/storage/memory-store.js';
import { RedisStore } from '../../lib/storage/redis-store.js';
import { StoreNamespace } from '../../lib/storage/store-key.js';
import { RedisServer } from '../../test/helpers/redis-server.js';

interface CodeRecord {
  clientId: string;
  grantId: string;
  codeChallenge: string;
  redirectUri: string;
  scope: string;
}

const CODES = new StoreNamespace<CodeRecord>('code');
const GRANTS = new StoreNamespace<CodeRecord>('grant');
const REFRESH = new StoreNamespace<{ grantId: string }>('rt');
const LIMITS = new StoreNamespace<number>('rl');
const TTL = 10 * 60_000;
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
/** A realistic record: what an authorization code carries (about 250 bytes of JSON). */
const RECORD: CodeRecord = {
  clientId: 'https://client.example.com/oauth/metadata.json',
  grantId: 'b7f0c6b2-6f3c-4f5e-9a51-2d1c8e2f4a90',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  redirectUri: 'http://127.0.0.1:33418/callback',
  scope: 'mcp:read mcp:write offline_access',
};

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));

interface Target {
  name: string;
  store: McpAuthStore;
  /** Operations per round with 64 in flight (a fifth of it with 1 in flight). */
  count: number;
}

/** Runs `count` operations with `concurrency` in flight; returns operations per second. */
async function measure(count: number, concurrency: number, operation: (i: number) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await operation(next++);
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

/** One round of every operation on one store; returns ops/s per operation. */
async function round(target: Target, concurrency: number, id: string): Promise<Map<string, number>> {
  const { store } = target;
  const count = Math.max(500, Math.round(target.count * SCALE * (concurrency === 1 ? 0.2 : 1)));
  const key = (i: number) => CODES.key(`${id}-${i}`);
  const operations: Array<[string, (i: number) => Promise<unknown>]> = [
    ['set', (i) => store.set(key(i), RECORD, TTL)],
    ['get', (i) => store.get(key(i))],
    ['consume', (i) => store.consume(key(i))],
    ['setIfAbsent', (i) => store.setIfAbsent(key(i), RECORD, TTL)],
    ['increment', (i) => store.increment(LIMITS.key(`${id}-${i % 100}`), 60_000)],
    [
      'commit (redeem code)',
      (i) =>
        store.commit({
          consume: [key(i)],
          set: [
            { key: GRANTS.key(`${id}-${i}`), value: RECORD, ttlMs: TTL },
            { key: REFRESH.key(`${id}-${i}`), value: { grantId: RECORD.grantId }, ttlMs: TTL },
          ],
        }),
    ],
  ];
  const results = new Map<string, number>();
  for (const [name, operation] of operations) results.set(name, await measure(count, concurrency, operation));
  // Every redemption must have found its code, or `commit` measured a short cut.
  if ((await store.get(key(count - 1))) !== undefined) throw new Error(`${target.name}: commit left codes behind`);
  return results;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const format = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  const server = process.env.REDIS_URL ? undefined : await RedisServer.start();
  const url = process.env.REDIS_URL ?? server!.url;
  const keyPrefix = `bench:${process.pid}:`;
  const memory = new MemoryStore({ maxEntries: 5_000_000 }, systemClock);
  const redis = new RedisStore({ url, keyPrefix });
  const pipelined = new RedisStore({ url, keyPrefix, autoPipelining: true });
  const targets: Target[] = [
    { name: 'memory', store: memory, count: 100_000 },
    { name: 'redis', store: redis, count: 20_000 },
    { name: 'redis, auto-pipelining', store: pipelined, count: 20_000 },
  ];
  const samples = new Map<string, number[]>();
  try {
    for (const store of [redis, pipelined]) {
      if (!(await store.waitUntilReady(5000))) throw new Error(`Redis at ${url} is not reachable`);
    }
    for (const concurrency of [1, 64]) {
      // Rounds interleave the stores, so a burst of load elsewhere on the machine hits all alike.
      for (let r = 0; r <= ROUNDS; r += 1) {
        for (const target of targets) {
          const results = await round(target, concurrency, `${concurrency}-${r}`);
          if (r === 0) continue; // warm-up
          for (const [operation, ops] of results) {
            const key = `${target.name}|${operation}|${concurrency}`;
            samples.set(key, [...(samples.get(key) ?? []), ops]);
          }
        }
      }
    }
  } finally {
    await memory.close();
    await redis.close();
    await pipelined.close();
    if (server) await server.destroy();
    else await removeKeys(url, keyPrefix);
  }

  const lines = [
    `Node ${process.version}; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}; ${redisVersion(url, server)}`,
    `Median of ${ROUNDS} rounds (after a warm-up round), scale ${SCALE}; load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after.`,
    '',
    '| store | operation | in flight | ops/s (median) | min – max | mean latency (µs) |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const [key, values] of samples) {
    const [store, operation, concurrency] = key.split('|') as [string, string, string];
    const ops = median(values);
    const latency = (1e6 * Number(concurrency)) / ops;
    lines.push(
      `| ${store} | ${operation} | ${concurrency} | ${format(ops)} | ${format(Math.min(...values))} – ${format(Math.max(...values))} | ${latency.toFixed(1)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function redisVersion(url: string, server: RedisServer | undefined): string {
  if (!server) return `Redis at ${url}`;
  const version = /v=(\S+)/.exec(
    execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']).toString(),
  );
  return `redis-server ${version?.[1] ?? '?'} on 127.0.0.1 (AOF on)`;
}

/** Removes what the benchmark wrote to a Redis it did not start. */
async function removeKeys(url: string, prefix: string): Promise<void> {
  const admin = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
}

await main();

import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type {
  McpAuthStore,
  RecordsOf,
  StoreCommitResult,
  StoreCounter,
  StoreTransaction,
} from './mcp-auth-store.interface.js';
import { COMMIT_SCRIPT, INCREMENT_SCRIPT, NOT_A_COUNTER } from './redis-scripts.js';
import { StorageUnavailableError } from './storage.errors.js';
import { decodeValue, encodeValue, incrementStep, prepareTransaction, ttlMilliseconds } from './store-codec.js';
import { assertStoreKey, flatKey, type StoreKey } from './store-key.js';

/**
 * Settings of {@link RedisStore}: a connection URL or an existing ioredis client.
 * @publicApi
 */
export interface RedisStoreSettings {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url?: string;
  /**
   * An existing ioredis client. The store opens its own connection with the client's options
   * plus the fail-fast settings below (`client.duplicate()`), so the client you pass is left
   * untouched and stays yours to close.
   */
  client?: Redis;
  /**
   * Prepended to every key, e.g. to share one Redis database between applications.
   * @default 'mcp-auth:'
   */
  keyPrefix?: string;
  /**
   * A command that gets no answer within this time fails with `StorageUnavailableError`, so a
   * paused or overloaded Redis cannot hold requests (security catalog F-13).
   * @default 1000
   */
  commandTimeoutMs?: number;
  /**
   * Timeout of each connection attempt.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /** Further ioredis options (TLS, Sentinel, ...), applied under the fail-fast settings. */
  redisOptions?: RedisOptions;
  /**
   * Send commands issued in the same event-loop tick in one write (ioredis auto-pipelining).
   * Off by default: in bench/storage it made every operation slower with one request in flight
   * and the Lua scripts (commit) slower at any concurrency; it only paid off for single-key
   * commands with many requests in flight.
   * @default false
   */
  autoPipelining?: boolean;
}

/** The scripts, as ioredis commands (`defineCommand`). */
interface ScriptCommands {
  mcpAuthCommit(numKeys: number, ...args: Array<string | number>): Promise<Array<string | number>>;
  mcpAuthIncrement(key: string, step: number, ttlMs: number): Promise<[number, number]>;
}

const logger = new Logger('McpAuthStorage');

/**
 * {@link McpAuthStore} on Redis (≥ 6.2), for several instances sharing state. Single-key
 * operations use atomic commands (`GETDEL`, `SET NX PX`); multi-key ones are Lua scripts.
 * Expiry is Redis's `PX` alone: no instance's clock is involved (security catalog F-18).
 *
 * Failure model: the connection has no offline queue, a short command timeout and never
 * re-sends a command whose answer was lost, so when Redis is down, paused or out of memory
 * every operation rejects quickly with {@link StorageUnavailableError} (HTTP 503) and nothing
 * runs twice. ioredis reconnects in the background; service resumes without a restart.
 *
 * Redis Cluster is not supported (transactions touch keys in different slots).
 *
 * @publicApi
 */
export class RedisStore implements McpAuthStore {
  /** Prepended to every key. */
  readonly keyPrefix: string;
  private readonly redis: Redis & ScriptCommands;
  private unavailableSince: number | undefined;
  private closed = false;

  constructor(settings: RedisStoreSettings) {
    const { url, client, keyPrefix = 'mcp-auth:', commandTimeoutMs = 1000, connectTimeoutMs = 5000 } = settings;
    if ((url === undefined) === (client === undefined))
      throw new TypeError('RedisStore: set exactly one of url or client');
    const failFast: RedisOptions = {
      enableOfflineQueue: false,
      commandTimeout: commandTimeoutMs,
      connectTimeout: connectTimeoutMs,
      // A command whose answer was lost (connection dropped) fails at once and is never sent
      // again: re-sending a GETDEL or a commit could apply it twice.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      enableAutoPipelining: settings.autoPipelining ?? false,
      lazyConnect: false,
      // Reconnect forever, backing off up to 2 s.
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
      // After a failover the old primary answers READONLY: reconnect to find the new one.
      reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
    };
    const connection = client
      ? client.duplicate({ ...settings.redisOptions, ...failFast })
      : new Redis(url!, { ...settings.redisOptions, ...failFast });
    connection.on('close', () => this.onUnavailable('connection closed'));
    connection.on('error', (error: Error) => this.onUnavailable(error.message));
    connection.on('ready', () => this.onReady());
    connection.defineCommand('mcpAuthCommit', { lua: COMMIT_SCRIPT });
    connection.defineCommand('mcpAuthIncrement', { lua: INCREMENT_SCRIPT, numberOfKeys: 1 });
    this.redis = connection as Redis & ScriptCommands;
    this.keyPrefix = keyPrefix;
  }

  /** Whether the connection is established and ready for commands. */
  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  /**
   * Waits until the connection is ready, at most `timeoutMs`.
   * @returns whether it is ready.
   */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return true;
    return new Promise<boolean>((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.on('ready', onReady);
    });
  }

  async get<T>(key: StoreKey<T>): Promise<T | undefined> {
    const flat = this.flat(key);
    const raw = await this.run(() => this.redis.get(flat));
    return raw === null ? undefined : decodeValue<T>(raw, key);
  }

  async set<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<void> {
    const flat = this.flat(key);
    const json = encodeValue(value);
    const ttl = ttlMilliseconds(ttlMs);
    await this.run(() => this.redis.set(flat, json, 'PX', ttl));
  }

  async setIfAbsent<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<boolean> {
    const flat = this.flat(key);
    const json = encodeValue(value);
    const ttl = ttlMilliseconds(ttlMs);
    return (await this.run(() => this.redis.set(flat, json, 'PX', ttl, 'NX'))) === 'OK';
  }

  async update<T>(key: StoreKey<T>, value: T): Promise<boolean> {
    const flat = this.flat(key);
    const json = encodeValue(value);
    return (await this.run(() => this.redis.set(flat, json, 'KEEPTTL', 'XX'))) === 'OK';
  }

  async consume<T>(key: StoreKey<T>): Promise<T | undefined> {
    const flat = this.flat(key);
    const raw = await this.run(() => this.redis.getdel(flat));
    return raw === null ? undefined : decodeValue<T>(raw, key);
  }

  async delete(key: StoreKey<unknown>): Promise<boolean> {
    const flat = this.flat(key);
    return (await this.run(() => this.redis.del(flat))) > 0;
  }

  async increment(key: StoreKey<number>, ttlMs: number, by = 1): Promise<StoreCounter> {
    const flat = this.flat(key);
    const ttl = ttlMilliseconds(ttlMs);
    const step = incrementStep(by);
    const [value, remaining] = await this.run(() => this.redis.mcpAuthIncrement(flat, step, ttl));
    return { value: Number(value), ttlMs: Number(remaining) };
  }

  async commit<const C extends readonly StoreKey<unknown>[] = []>(
    transaction: StoreTransaction<C>,
  ): Promise<StoreCommitResult<RecordsOf<C>>> {
    const tx = prepareTransaction(transaction);
    const keys = [...tx.consume, ...tx.check.map((c) => c.key), ...tx.set.map((w) => w.key), ...tx.delete];
    const args: Array<string | number> = [tx.consume.length, tx.check.length, tx.set.length, tx.delete.length];
    for (const condition of tx.check) args.push(condition.mode, condition.mode === 'equals' ? condition.json : '');
    for (const write of tx.set) args.push(write.json, write.ttlMs);
    const flatKeys = keys.map((key) => flatKey(this.keyPrefix, key));
    const reply = await this.run(() => this.redis.mcpAuthCommit(flatKeys.length, ...flatKeys, ...args));
    if (reply[0] !== 1) return { ok: false, failed: keys[Number(reply[1]) - 1]! };
    const consumed = reply.slice(1).map((raw, i) => decodeValue(String(raw), tx.consume[i]!));
    return { ok: true, consumed: consumed as RecordsOf<C> };
  }

  /** Closes the connection (gracefully when possible). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ready) {
      try {
        await this.redis.quit();
        return;
      } catch {
        // Fall through: drop the connection.
      }
    }
    this.redis.disconnect();
  }

  /** Nest lifecycle hook. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private flat(key: StoreKey<unknown>): string {
    assertStoreKey(key);
    return flatKey(this.keyPrefix, key);
  }

  private async run<R>(command: () => Promise<R>): Promise<R> {
    try {
      return await command();
    } catch (error) {
      if (error instanceof Error && error.message.includes(NOT_A_COUNTER)) {
        throw new TypeError('increment: the record is not an integer counter', { cause: error });
      }
      throw new StorageUnavailableError(undefined, { cause: error });
    }
  }

  /** Logs an outage once, however many reconnect attempts fail. */
  private onUnavailable(reason: string): void {
    if (this.unavailableSince !== undefined || this.closed) return;
    this.unavailableSince = performance.now();
    logger.error(`Redis is unreachable (${reason}); storage operations fail with 503 until it returns`);
  }

  private onReady(): void {
    if (this.unavailableSince === undefined) return;
    logger.log(`Redis connection restored after ${Math.round(performance.now() - this.unavailableSince)} ms`);
    this.unavailableSince = undefined;
  }
}

import { Logger } from '@nestjs/common';
import { systemClock, type McpAuthClock } from '../core/clock.js';
import type {
  McpAuthStore,
  RecordsOf,
  StoreCommitResult,
  StoreCounter,
  StoreTransaction,
} from './mcp-auth-store.interface.js';
import {
  decodeValue,
  encodeValue,
  incrementStep,
  isIntegerText,
  prepareTransaction,
  ttlMilliseconds,
  type PreparedCondition,
} from './store-codec.js';
import { assertStoreKey, flatKey, type StoreKey } from './store-key.js';

/**
 * Settings of {@link MemoryStore}.
 * @publicApi
 */
export interface MemoryStoreSettings {
  /**
   * Most records kept. When full, the oldest written record is dropped, expired or not, so
   * memory stays bounded whatever clients send.
   * @default 100000
   */
  maxEntries?: number;
  /**
   * How often expired records are removed, in milliseconds (they are never returned once
   * expired, whether swept yet or not).
   * @default 60000
   */
  sweepIntervalMs?: number;
}

interface Entry {
  /** The value as JSON text: every read returns a fresh copy, exactly as Redis does. */
  readonly json: string;
  readonly expiresAt: number;
}

const logger = new Logger('McpAuthStorage');

/** Minimum time between two "evicting live records" warnings. */
const EVICTION_WARNING_INTERVAL_MS = 60_000;

/**
 * The default {@link McpAuthStore}: records in a `Map` of this process. Operations run
 * synchronously between two awaits, so each one (including `commit`) is atomic within the
 * process. State is lost on restart and not shared between instances: use {@link RedisStore}
 * when running more than one instance.
 *
 * Expiry follows the injected {@link McpAuthClock}.
 *
 * @publicApi
 */
export class MemoryStore implements McpAuthStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private sweeper: NodeJS.Timeout | undefined;
  private lastEvictionWarning = Number.NEGATIVE_INFINITY;

  constructor(
    settings: MemoryStoreSettings = {},
    private readonly clock: McpAuthClock = systemClock,
  ) {
    const { maxEntries = 100_000, sweepIntervalMs = 60_000 } = settings;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be an integer >= 1');
    if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 1) {
      throw new RangeError('sweepIntervalMs must be an integer >= 1');
    }
    this.maxEntries = maxEntries;
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Records held, including expired ones not swept yet. */
  get size(): number {
    return this.entries.size;
  }

  async get<T>(key: StoreKey<T>): Promise<T | undefined> {
    const entry = this.live(key);
    return entry && decodeValue<T>(entry.json, key);
  }

  async set<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<void> {
    assertStoreKey(key);
    this.write(key, encodeValue(value), ttlMilliseconds(ttlMs));
  }

  async setIfAbsent<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<boolean> {
    const json = encodeValue(value);
    const ttl = ttlMilliseconds(ttlMs);
    if (this.live(key)) return false;
    this.write(key, json, ttl);
    return true;
  }

  async update<T>(key: StoreKey<T>, value: T): Promise<boolean> {
    const json = encodeValue(value);
    const entry = this.live(key);
    if (!entry) return false;
    this.entries.set(flatKey('', key), { json, expiresAt: entry.expiresAt });
    return true;
  }

  async consume<T>(key: StoreKey<T>): Promise<T | undefined> {
    const entry = this.live(key);
    if (!entry) return undefined;
    this.entries.delete(flatKey('', key));
    return decodeValue<T>(entry.json, key);
  }

  async delete(key: StoreKey<unknown>): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(flatKey('', key));
    return existed;
  }

  async increment(key: StoreKey<number>, ttlMs: number, by = 1): Promise<StoreCounter> {
    const ttl = ttlMilliseconds(ttlMs);
    const step = incrementStep(by);
    const entry = this.live(key);
    if (!entry) {
      this.write(key, String(step), ttl);
      return { value: step, ttlMs: ttl };
    }
    if (!isIntegerText(entry.json)) {
      throw new TypeError(`increment: the record in namespace ${key.namespace} is not an integer counter`);
    }
    const value = Number(entry.json) + step;
    // Replace in place: the counter keeps its expiry and its position in eviction order.
    this.entries.set(flatKey('', key), { json: String(value), expiresAt: entry.expiresAt });
    return { value, ttlMs: entry.expiresAt - this.clock.now() };
  }

  async commit<const C extends readonly StoreKey<unknown>[] = []>(
    transaction: StoreTransaction<C>,
  ): Promise<StoreCommitResult<RecordsOf<C>>> {
    const tx = prepareTransaction(transaction);
    const consumed: string[] = [];
    for (const key of tx.consume) {
      const entry = this.live(key);
      if (!entry) return { ok: false, failed: key };
      consumed.push(entry.json);
    }
    for (const condition of tx.check) {
      const entry = this.live(condition.key);
      if (!holds(condition, entry)) return { ok: false, failed: condition.key };
    }
    for (const key of [...tx.consume, ...tx.delete]) this.entries.delete(flatKey('', key));
    for (const write of tx.set) this.write(write.key, write.json, write.ttlMs);
    const values = consumed.map((json, i) => decodeValue(json, tx.consume[i]!));
    return { ok: true, consumed: values as RecordsOf<C> };
  }

  /** Removes every expired record now (also runs every `sweepIntervalMs`). */
  sweep(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }

  /** Stops the sweeper and drops every record. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.entries.clear();
  }

  /** Nest lifecycle hook. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** The unexpired entry of `key`; an expired one is removed on the way. */
  private live(key: StoreKey<unknown>): Entry | undefined {
    assertStoreKey(key);
    const flat = flatKey('', key);
    const entry = this.entries.get(flat);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(flat);
      return undefined;
    }
    return entry;
  }

  private write(key: StoreKey<unknown>, json: string, ttlMs: number): void {
    const flat = flatKey('', key);
    // Delete first so a rewritten record moves to the young end of the eviction order.
    this.entries.delete(flat);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(flat, { json, expiresAt: this.clock.now() + ttlMs });
  }

  private evict(): void {
    const now = this.clock.now();
    while (this.entries.size >= this.maxEntries) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldest);
      if (entry.expiresAt > now && now - this.lastEvictionWarning >= EVICTION_WARNING_INTERVAL_MS) {
        this.lastEvictionWarning = now;
        logger.warn(
          `In-memory storage is full (maxEntries ${this.maxEntries}): the oldest live records are being dropped. Raise maxEntries or use Redis.`,
        );
      }
    }
  }
}

function holds(condition: PreparedCondition, entry: Entry | undefined): boolean {
  if (condition.mode === 'equals') return entry?.json === condition.json;
  return condition.mode === 'exists' ? entry !== undefined : entry === undefined;
}

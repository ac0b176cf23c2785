import { Inject } from '@nestjs/common';
import type { StoreKey } from './store-key.js';

/**
 * A record to write: its key, its JSON-serialisable value and its time to live.
 * @publicApi
 */
export interface StoreWrite<T = unknown> {
  readonly key: StoreKey<T>;
  readonly value: T;
  /** Time to live in milliseconds; a finite number > 0 (fractions are rounded up). */
  readonly ttlMs: number;
}

/**
 * A precondition of {@link McpAuthStore.commit}: the record exists, is absent, or holds exactly
 * this value (compared as serialised JSON, so pass a value read from the store unchanged, or a
 * primitive such as a lock owner token).
 * @publicApi
 */
export type StoreCondition<T = unknown> =
  { readonly key: StoreKey<T>; readonly exists: boolean } | { readonly key: StoreKey<T>; readonly equals: T };

/**
 * An atomic multi-key change for {@link McpAuthStore.commit}. Either every condition holds and
 * every change is applied, or nothing changes.
 *
 * A key may not appear both in `set` and in `consume`/`delete`.
 * @publicApi
 */
export interface StoreTransaction<C extends readonly StoreKey<unknown>[] = readonly StoreKey<unknown>[]> {
  /** Records that must exist; they are deleted and their values returned, in this order. */
  readonly consume?: C;
  /** Further preconditions, checked with the consumed keys before anything changes. */
  readonly check?: readonly StoreCondition<unknown>[];
  /** Records written (created or replaced) when the preconditions hold. */
  readonly set?: readonly StoreWrite<unknown>[];
  /** Records deleted when the preconditions hold (absent ones are ignored). */
  readonly delete?: readonly StoreKey<unknown>[];
}

/** The record types of a tuple of keys. */
export type RecordsOf<C extends readonly StoreKey<unknown>[]> = {
  -readonly [I in keyof C]: C[I] extends StoreKey<infer T> ? T : never;
};

/**
 * Outcome of {@link McpAuthStore.commit}: applied with the consumed values, or refused because
 * the precondition on `failed` did not hold (the first one found, in the order consume, check).
 * @publicApi
 */
export type StoreCommitResult<V extends readonly unknown[] = unknown[]> =
  { readonly ok: true; readonly consumed: V } | { readonly ok: false; readonly failed: StoreKey<unknown> };

/**
 * A counter after {@link McpAuthStore.increment}.
 * @publicApi
 */
export interface StoreCounter {
  /** The value after the increment. */
  readonly value: number;
  /** Milliseconds until the counter expires (its window ends), e.g. for `Retry-After`. */
  readonly ttlMs: number;
}

/**
 * The one storage contract of the library: expiring JSON records under namespaced keys, with
 * the atomic operations OAuth state needs (single-use codes, refresh-token rotation, replay
 * records, rate limits, locks). Every write has a time to live, so nothing grows without bound.
 *
 * Implementations: {@link MemoryStore} (default, one process) and {@link RedisStore} (several
 * instances). A custom implementation should pass `describeStoreContract` from
 * `lib/storage/store.contract.ts`.
 *
 * Semantics every implementation guarantees:
 * - values are JSON: what is read back is `JSON.parse(JSON.stringify(value))`, a fresh copy;
 * - every operation on one key, and every `commit`, is atomic, also between processes sharing
 *   the store;
 * - an expired record is never returned; expiry is decided by the store (for Redis, by the
 *   Redis server alone), never by timestamps inside records;
 * - a TTL that is not a finite number > 0 (e.g. `NaN`, `0`, negative) is refused with a
 *   `RangeError` before anything is written (security catalog F-17);
 * - infrastructure failures reject with {@link StorageUnavailableError} (HTTP 503
 *   `temporarily_unavailable`); misuse (bad key, TTL or value) rejects with `TypeError` or
 *   `RangeError`.
 *
 * @publicApi
 */
export interface McpAuthStore {
  /** The record, or `undefined` when absent or expired. */
  get<T>(key: StoreKey<T>): Promise<T | undefined>;

  /** Creates or replaces the record; its TTL restarts. */
  set<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<void>;

  /**
   * Creates the record only if none exists (Redis `SET NX PX`).
   * @returns whether this call created it.
   */
  setIfAbsent<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<boolean>;

  /**
   * Replaces the value of an existing record, keeping its remaining TTL (Redis
   * `SET XX KEEPTTL`): e.g. new upstream tokens in a grant whose absolute lifetime must not
   * grow. No instance computes the remaining time, so clock skew cannot stretch it (F-18).
   * @returns whether the record existed (nothing is created otherwise).
   */
  update<T>(key: StoreKey<T>, value: T): Promise<boolean>;

  /**
   * Atomically reads and deletes the record (Redis `GETDEL`): of any number of concurrent
   * callers, exactly one receives it. The primitive of single-use codes and transactions.
   */
  consume<T>(key: StoreKey<T>): Promise<T | undefined>;

  /**
   * Deletes the record.
   * @returns whether a record existed.
   */
  delete(key: StoreKey<unknown>): Promise<boolean>;

  /**
   * Adds `by` to an integer counter, creating it at `by` with the given TTL. The TTL is set only
   * when the counter is created, so the window is fixed (rate limits).
   * @throws TypeError when the record exists and is not an integer.
   */
  increment(key: StoreKey<number>, ttlMs: number, by?: number): Promise<StoreCounter>;

  /**
   * Applies a multi-key change atomically: checks that every `consume` record exists and every
   * `check` holds, then deletes `consume` and `delete`, writes `set`, and returns the consumed
   * values. A crash or failure never leaves part of it applied (security catalog F-14).
   *
   * @example Code redemption: consume the code and store the grant in one step.
   * ```ts
   * const result = await store.commit({
   *   consume: [CODES.secret(code)],
   *   set: [
   *     { key: GRANTS.key(grantId), value: grant, ttlMs: grantTtl },
   *     { key: REFRESH_TOKENS.secret(refreshToken), value: rt, ttlMs: rtTtl },
   *   ],
   * });
   * if (!result.ok) throw invalidGrant(); // redeemed concurrently: nothing was written
   * ```
   */
  commit<const C extends readonly StoreKey<unknown>[] = []>(
    transaction: StoreTransaction<C>,
  ): Promise<StoreCommitResult<RecordsOf<C>>>;

  /** Releases connections and timers. Idempotent; called on application shutdown. */
  close(): Promise<void>;
}

/** DI token of the {@link McpAuthStore}. @publicApi */
export const MCP_AUTH_STORE = Symbol('MCP_AUTH:STORE');

/** Injects the {@link McpAuthStore}. @publicApi */
export const InjectMcpAuthStore = (): ParameterDecorator => Inject(MCP_AUTH_STORE);

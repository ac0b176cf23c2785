import type { StoreTransaction } from './mcp-auth-store.interface.js';
import { StorageUnavailableError } from './storage.errors.js';
import { assertStoreKey, sameKey, type StoreKey } from './store-key.js';

// Validation and encoding shared by every store implementation, so that they accept and refuse
// exactly the same inputs.

/** Most keys one `commit` may touch: a bound on script size and on work per request. */
export const MAX_TRANSACTION_KEYS = 128;

/**
 * The TTL as a positive integer number of milliseconds (fractions rounded up).
 * @throws RangeError for `NaN`, infinities, non-numbers and values ≤ 0 (security catalog F-17).
 */
export function ttlMilliseconds(ttlMs: unknown): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a finite number of milliseconds > 0 (got ${String(ttlMs)})`);
  }
  return Math.ceil(ttlMs);
}

/**
 * The JSON text stored for a value.
 * @throws TypeError when the value has no JSON form (`undefined`, a function, a symbol) or
 *   cannot be serialised (a `BigInt`, a cycle).
 */
export function encodeValue(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`A store value must be JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'string') throw new TypeError('A store value must be JSON-serialisable (got undefined)');
  return json;
}

/**
 * Parses stored JSON text.
 * @throws StorageUnavailableError when the stored text is not JSON (written by something else).
 */
export function decodeValue<T>(raw: string, key: StoreKey<unknown>): T {
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new StorageUnavailableError(`Storage returned a malformed record in namespace ${key.namespace}`, {
      cause: error,
    });
  }
}

/** A validated `increment` step. @throws RangeError unless a safe integer ≥ 1. */
export function incrementStep(by: unknown): number {
  if (typeof by !== 'number' || !Number.isSafeInteger(by) || by < 1) {
    throw new RangeError(`increment: by must be a safe integer >= 1 (got ${String(by)})`);
  }
  return by;
}

/** A counter's value as stored: an integer in decimal. */
export function isIntegerText(raw: string): boolean {
  return /^-?\d+$/.test(raw);
}

/** One precondition, encoded: `equals` carries the JSON text to compare with. */
export type PreparedCondition =
  | { readonly key: StoreKey<unknown>; readonly mode: 'exists' | 'absent' }
  | { readonly key: StoreKey<unknown>; readonly mode: 'equals'; readonly json: string };

/** A transaction after validation, with values encoded and TTLs normalised. */
export interface PreparedTransaction {
  readonly consume: readonly StoreKey<unknown>[];
  readonly check: readonly PreparedCondition[];
  readonly set: readonly { readonly key: StoreKey<unknown>; readonly json: string; readonly ttlMs: number }[];
  readonly delete: readonly StoreKey<unknown>[];
}

/**
 * Validates a transaction completely before any store is touched, so a bad TTL or value in the
 * last write cannot leave the first ones applied.
 * @throws TypeError or RangeError naming the problem.
 */
export function prepareTransaction(transaction: StoreTransaction): PreparedTransaction {
  if (transaction === null || typeof transaction !== 'object') throw new TypeError('commit: expected a transaction');
  const consume = listOf(transaction.consume, 'consume');
  const checks = listOf(transaction.check, 'check');
  const writes = listOf(transaction.set, 'set');
  const deletes = listOf(transaction.delete, 'delete');
  if (consume.length + checks.length + writes.length + deletes.length > MAX_TRANSACTION_KEYS) {
    throw new RangeError(`commit: a transaction may touch at most ${MAX_TRANSACTION_KEYS} keys`);
  }
  consume.forEach(assertStoreKey);
  deletes.forEach(assertStoreKey);
  const check = checks.map((condition): PreparedCondition => {
    assertStoreKey(condition?.key);
    if ('equals' in condition) return { key: condition.key, mode: 'equals', json: encodeValue(condition.equals) };
    if (typeof condition.exists !== 'boolean') throw new TypeError('commit: a check needs `exists` or `equals`');
    return { key: condition.key, mode: condition.exists ? 'exists' : 'absent' };
  });
  const set = writes.map((write) => {
    assertStoreKey(write?.key);
    if ([...consume, ...deletes].some((key) => sameKey(key, write.key))) {
      throw new TypeError(
        `commit: ${write.key.namespace} key appears both in set and in consume/delete; a key may only be written or removed`,
      );
    }
    return { key: write.key, json: encodeValue(write.value), ttlMs: ttlMilliseconds(write.ttlMs) };
  });
  return { consume, check, set, delete: deletes };
}

function listOf<T>(value: readonly T[] | undefined, name: string): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`commit: ${name} must be an array`);
  return value;
}

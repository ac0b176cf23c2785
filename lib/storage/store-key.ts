import { secretKey } from './secret-key.js';

declare const recordType: unique symbol;

/**
 * The address of one record: a namespace (the record kind, e.g. `code`) and a key inside it.
 * The type parameter is the record type stored there; it exists only at compile time and lets
 * `get`, `consume` and `commit` return typed records.
 *
 * Build keys with a {@link StoreNamespace} rather than by hand.
 *
 * @publicApi
 */
export interface StoreKey<T = unknown> {
  /** Record kind: 1–64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
  readonly namespace: string;
  /** Identifier inside the namespace: 1–1024 characters, any content. */
  readonly key: string;
  /** Compile-time only: the record type stored under this key. */
  readonly [recordType]?: T;
}

/** Longest accepted {@link StoreKey.key}: bounds the memory an attacker-chosen key can take. */
export const MAX_STORE_KEY_LENGTH = 1024;

const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * One record kind and the type of its records. Create one per kind, next to the code that owns
 * the records, and build every key through it.
 *
 * @example
 * ```ts
 * interface AuthorizationCodeRecord { clientId: string; grantId: string; codeChallenge: string }
 * const CODES = new StoreNamespace<AuthorizationCodeRecord>('code');
 *
 * await store.set(CODES.secret(code), record, 5 * 60_000); // stored under SHA-256(code)
 * const redeemed = await store.consume(CODES.secret(code)); // AuthorizationCodeRecord | undefined
 * ```
 * @publicApi
 */
export class StoreNamespace<T> {
  /**
   * @param name 1–64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
   * @throws TypeError when the name is not valid.
   */
  constructor(readonly name: string) {
    assertNamespace(name);
  }

  /** The key `id` in this namespace. @throws TypeError when `id` is empty or too long. */
  key(id: string): StoreKey<T> {
    const key = { namespace: this.name, key: id };
    assertStoreKey(key);
    return key;
  }

  /**
   * The key of a secret (authorization code, refresh token, transaction id): addressed by its
   * {@link secretKey} hash, so the raw secret is never written to storage.
   */
  secret(secret: string): StoreKey<T> {
    return this.key(secretKey(secret));
  }
}

/**
 * Checks the shape of a key (stores call it on every operation).
 * @throws TypeError naming what is wrong.
 */
export function assertStoreKey(value: StoreKey<unknown>): void {
  if (value === null || typeof value !== 'object') throw new TypeError('A store key must be { namespace, key }');
  assertNamespace(value.namespace);
  const key: unknown = value.key;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STORE_KEY_LENGTH) {
    throw new TypeError(
      `A store key must be a string of 1 to ${MAX_STORE_KEY_LENGTH} characters (namespace ${value.namespace})`,
    );
  }
}

function assertNamespace(name: unknown): void {
  if (typeof name !== 'string' || !NAMESPACE_PATTERN.test(name)) {
    throw new TypeError(
      `Invalid store namespace ${JSON.stringify(name)}: use 1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
}

/**
 * The flat string a key is stored under: `<prefix><namespace>:<key>`. Namespaces contain no
 * `:`, so two different keys never produce the same string, whatever the key contains.
 */
export function flatKey(prefix: string, key: StoreKey<unknown>): string {
  return `${prefix}${key.namespace}:${key.key}`;
}

/** Whether two keys address the same record. */
export function sameKey(a: StoreKey<unknown>, b: StoreKey<unknown>): boolean {
  return a.namespace === b.namespace && a.key === b.key;
}

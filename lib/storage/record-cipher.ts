import { createHash, createSecretKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, errors, type CryptoKey } from 'jose';
import { RecordDecryptionError } from './storage.errors.js';
import { assertStoreKey, flatKey, type StoreKey } from './store-key.js';

declare const sealedType: unique symbol;

/**
 * A value sealed by {@link RecordCipher}: a compact JWE string, stored as (part of) a record.
 * The type parameter is the plaintext's type, so `open()` returns it typed; a plain string is
 * not assignable to it, so a record field declared `Sealed<T>` cannot receive plaintext.
 * @publicApi
 */
export type Sealed<T> = string & { readonly [sealedType]: T };

/**
 * A record-encryption key: 32 random bytes, and an id written into every ciphertext so that
 * the right key is found after a rotation.
 * @publicApi
 */
export interface RecordKey {
  /** 1–64 characters of `A-Z a-z 0-9 . _ -`. */
  readonly id: string;
  /** 32 bytes, raw or base64url-encoded (43 characters). */
  readonly key: Uint8Array | string;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const PROTECTED_HEADER = { alg: 'dir', enc: 'A256GCM' } as const;

/**
 * Authenticated encryption of the records that hold third-party secrets (upstream access and
 * refresh tokens, security catalog S-01): AES-256-GCM through `jose` as a compact JWE with
 * `alg: dir`.
 *
 * - **Key rotation:** seals with the first key, opens with any configured key, found by the
 *   `kid` header. Add the new key first, keep the old ones until every record sealed with them
 *   has expired or was re-sealed ({@link needsReseal}).
 * - **Binding to the store key:** the ciphertext's authenticated header carries a hash of the
 *   store key the value is sealed for (namespace and key, without the deployment's key
 *   prefix), and `open()` demands the same key. A sealed value copied into another record (for
 *   example another user's grant, security catalog S-04) is refused.
 *
 * The plaintext is the value's JSON.
 *
 * @example
 * ```ts
 * const key = UPSTREAM.key(grantId);
 * await store.set(key, { sub, tokens: await cipher.seal(upstreamTokens, key) }, ttl);
 * const record = await store.get(key);
 * const tokens = record && (await cipher.open(record.tokens, key)); // typed as upstreamTokens
 * ```
 * @publicApi
 */
export class RecordCipher {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  /** WebCrypto keys, imported once per key: jose would otherwise convert the key on every call. */
  private readonly cryptoKeys = new Map<string, Promise<CryptoKey>>();
  private readonly currentKeyId: string;

  /**
   * @param keys the first seals, every one opens.
   * @throws TypeError when the list is empty, an id is invalid or repeated, or a key is not
   *   32 bytes.
   */
  constructor(keys: readonly RecordKey[]) {
    if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('RecordCipher: at least one key is required');
    const map = new Map<string, KeyObject>();
    for (const { id, key } of keys) {
      if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) {
        throw new TypeError(`RecordCipher: key id ${JSON.stringify(id)} must be 1-64 characters of A-Z a-z 0-9 . _ -`);
      }
      if (map.has(id)) throw new TypeError(`RecordCipher: key id ${id} is used twice`);
      const bytes = decodeRecordKey(key);
      if (!bytes) throw new TypeError(`RecordCipher: key ${id} must be 32 bytes (base64url: 43 characters)`);
      map.set(id, createSecretKey(bytes));
    }
    this.keys = map;
    this.currentKeyId = keys[0]!.id;
  }

  /** Id of the key that seals. */
  get sealingKeyId(): string {
    return this.currentKeyId;
  }

  /**
   * Encrypts `value` for the record at `context`.
   * @throws TypeError when the value is not JSON-serialisable.
   */
  async seal<T>(value: T, context: StoreKey<unknown>): Promise<Sealed<T>> {
    const json = JSON.stringify(value);
    if (typeof json !== 'string') throw new TypeError('RecordCipher.seal: the value must be JSON-serialisable');
    const jwe = await new CompactEncrypt(new TextEncoder().encode(json))
      .setProtectedHeader({ ...PROTECTED_HEADER, kid: this.currentKeyId, ctx: contextTag(context) })
      .encrypt(await this.cryptoKey(this.currentKeyId));
    return jwe as Sealed<T>;
  }

  /**
   * Decrypts a value sealed for the record at `context`.
   * @throws RecordDecryptionError when the value was altered, sealed for another record, or
   *   sealed with a key that is not configured.
   */
  async open<T>(sealed: Sealed<T>, context: StoreKey<unknown>): Promise<T> {
    const expected = contextTag(context);
    let header: { kid?: unknown; ctx?: unknown };
    try {
      header = decodeProtectedHeader(sealed);
    } catch (error) {
      throw new RecordDecryptionError('The sealed record is malformed', 'malformed', { cause: error });
    }
    const known = typeof header.kid === 'string' && this.keys.has(header.kid);
    if (!known) {
      throw new RecordDecryptionError(
        `The sealed record names key ${JSON.stringify(header.kid)}, which is not configured`,
        'unknown_key',
      );
    }
    let result: Awaited<ReturnType<typeof compactDecrypt>>;
    try {
      result = await compactDecrypt(sealed, await this.cryptoKey(header.kid as string), {
        keyManagementAlgorithms: [PROTECTED_HEADER.alg],
        contentEncryptionAlgorithms: [PROTECTED_HEADER.enc],
      });
    } catch (error) {
      const malformed = error instanceof errors.JWEInvalid;
      throw new RecordDecryptionError(
        malformed ? 'The sealed record is malformed' : 'The sealed record failed authentication',
        malformed ? 'malformed' : 'invalid',
        { cause: error },
      );
    }
    // The header is authenticated: a matching tag proves the value was sealed for this record.
    if (result.protectedHeader.ctx !== expected) {
      throw new RecordDecryptionError('The sealed record belongs to another store key', 'context_mismatch');
    }
    return JSON.parse(new TextDecoder().decode(result.plaintext)) as T;
  }

  private cryptoKey(id: string): Promise<CryptoKey> {
    let key = this.cryptoKeys.get(id);
    if (!key) {
      const raw = this.keys.get(id)!.export();
      key = webcrypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [
        'encrypt',
        'decrypt',
      ]) as Promise<CryptoKey>;
      this.cryptoKeys.set(id, key);
    }
    return key;
  }

  /** Whether `sealed` was sealed with another key than the current one (re-seal it on write). */
  needsReseal(sealed: Sealed<unknown>): boolean {
    try {
      return decodeProtectedHeader(sealed).kid !== this.currentKeyId;
    } catch {
      return true;
    }
  }
}

/** A new random record-encryption key, base64url-encoded (for configuration). @publicApi */
export function generateRecordKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The 32 key bytes, or `undefined` when `key` is not a 32-byte key. */
export function decodeRecordKey(key: unknown): Uint8Array | undefined {
  if (key instanceof Uint8Array) return key.length === 32 ? key : undefined;
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(key)) return undefined;
  const bytes = Buffer.from(key, 'base64url');
  return bytes.length === 32 ? bytes : undefined;
}

/** Hash of the store key a value is sealed for: 43 characters, whatever the key's length. */
function contextTag(context: StoreKey<unknown>): string {
  assertStoreKey(context);
  return createHash('sha256').update(flatKey('', context), 'utf8').digest('base64url');
}

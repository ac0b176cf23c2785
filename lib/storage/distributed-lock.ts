import type { McpAuthStore } from './mcp-auth-store.interface.js';
import { generateSecret } from './secret-key.js';
import { StoreNamespace } from './store-key.js';

/** Lock records: the owner token of the holder. */
const LOCKS = new StoreNamespace<string>('lock');

/**
 * A held lock. It ends when released or when its TTL runs out, whichever comes first, so a
 * holder that crashes blocks others for at most the TTL.
 * @publicApi
 */
export interface LockLease {
  /** The lock's name. */
  readonly name: string;
  /** Random token identifying this holder. */
  readonly owner: string;
  /**
   * Releases the lock if this lease still holds it (compare-and-delete in one atomic step): a
   * lease whose TTL ran out can never release a lock another holder has taken since.
   * @returns whether the lock was still held and is now released.
   */
  release(): Promise<boolean>;
}

/**
 * Tries once to take the lock `name` for `ttlMs` (`SET NX PX` with a random owner token).
 * Works with every {@link McpAuthStore}; with a shared store it excludes other instances too.
 *
 * @returns the lease, or `undefined` when someone else holds the lock.
 * @publicApi
 */
export async function tryAcquireLock(store: McpAuthStore, name: string, ttlMs: number): Promise<LockLease | undefined> {
  const key = LOCKS.key(name);
  const owner = generateSecret(16);
  if (!(await store.setIfAbsent(key, owner, ttlMs))) return undefined;
  return {
    name,
    owner,
    release: async () => (await store.commit({ check: [{ key, equals: owner }], delete: [key] })).ok,
  };
}

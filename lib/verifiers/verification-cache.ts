import type { McpAccessToken } from '../core/access-token.js';
import { BoundedTtlCache } from '../core/bounded-ttl-cache.js';
import type { InvalidTokenError } from '../core/errors/token.errors.js';
import type { VerifiedTokenCacheOptions } from '../core/options/verifier-options.js';

/** Rejection reasons that stay true however much time passes, so they may be remembered. */
const PERMANENT_REJECTIONS = new Set([
  'malformed',
  'signature',
  'algorithm',
  'issuer',
  'audience',
  'type',
  'claims',
  'expired',
  'too_large',
]);

/** Negative entries are capped separately, so a flood of junk tokens cannot evict good ones. */
const MAX_NEGATIVE_ENTRIES = 1000;

interface Accepted {
  readonly token: McpAccessToken;
  /** Epoch ms before which the token is not yet valid (`nbf` minus tolerance). */
  readonly notBefore: number;
}

/**
 * Remembers verification outcomes by exact token string: accepted tokens until the earlier of
 * the cache TTL and their expiry, and permanently-bad tokens for the TTL. A repeated token
 * then costs a map lookup instead of a signature check or a network round trip; time-dependent
 * checks (`exp`, `nbf`) are re-applied against the clock on every hit.
 */
export class VerificationCache {
  private readonly accepted: BoundedTtlCache<Accepted>;
  private readonly rejected: BoundedTtlCache<InvalidTokenError>;
  private readonly ttlMs: number;

  constructor(
    options: VerifiedTokenCacheOptions,
    private readonly now: () => number,
  ) {
    const maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = (options.ttlSeconds ?? 60) * 1000;
    this.accepted = new BoundedTtlCache(maxEntries, now);
    this.rejected = new BoundedTtlCache(Math.min(maxEntries, MAX_NEGATIVE_ENTRIES), now);
  }

  /** The cached outcome: a token, a rejection to rethrow, or `undefined` (verify it). */
  lookup(raw: string): McpAccessToken | InvalidTokenError | undefined {
    const hit = this.accepted.get(raw);
    if (hit !== undefined) {
      if (this.now() >= hit.notBefore) return hit.token;
      this.accepted.delete(raw);
      return undefined;
    }
    return this.rejected.get(raw);
  }

  /**
   * Remembers an accepted token until `validUntilMs` (its expiry plus clock tolerance) or the
   * cache TTL, whichever comes first.
   */
  accept(raw: string, token: McpAccessToken, validUntilMs: number, notBeforeMs = 0): void {
    this.accepted.set(raw, { token, notBefore: notBeforeMs }, Math.min(this.now() + this.ttlMs, validUntilMs));
  }

  /** Remembers a rejection when its reason cannot change with time. */
  reject(raw: string, error: InvalidTokenError): void {
    if (PERMANENT_REJECTIONS.has(error.reason)) this.rejected.set(raw, error, this.now() + this.ttlMs);
  }
}

import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { secretKey } from '../../storage/secret-key.js';
import { StoreNamespace } from '../../storage/store-key.js';

/**
 * Outcome of one {@link RegistrationRateLimiter.hit}.
 * @publicApi
 */
export interface RateLimitDecision {
  /** Whether this request is within the limit. */
  readonly allowed: boolean;
  /** Requests still allowed in the current window. */
  readonly remaining: number;
  /** Seconds until the window ends (≥ 1): the `Retry-After` value when refused. */
  readonly retryAfterSeconds: number;
}

/**
 * A fixed-window rate limit kept in the {@link McpAuthStore} (`increment`: the counter and its
 * TTL are created together, so the window is fixed and shared by every instance; security
 * catalog D-16). Requester keys are hashed, so no IP address is written to the store as is.
 * Used for dynamic registration (`dcr-rate`) and authorization requests (`authorize-rate`).
 * @publicApi
 */
export class RegistrationRateLimiter {
  private readonly counters: StoreNamespace<number>;

  /**
   * @param max requests allowed per key and window (≥ 1).
   * @param windowSeconds length of a window (≥ 1).
   * @param namespace store namespace of the counters.
   */
  constructor(
    private readonly store: McpAuthStore,
    private readonly max: number,
    private readonly windowSeconds: number,
    namespace = 'dcr-rate',
  ) {
    this.counters = new StoreNamespace<number>(namespace);
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('max must be an integer >= 1');
    if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1) {
      throw new RangeError('windowSeconds must be an integer >= 1');
    }
  }

  /**
   * Counts one request of `key` (e.g. the client IP) and says whether it is allowed.
   * @throws StorageUnavailableError when the store fails (the caller answers 503).
   */
  async hit(key: string): Promise<RateLimitDecision> {
    const counter = await this.store.increment(this.counters.key(secretKey(key || '-')), this.windowSeconds * 1000);
    return {
      allowed: counter.value <= this.max,
      remaining: Math.max(0, this.max - counter.value),
      retryAfterSeconds: Math.max(1, Math.ceil(counter.ttlMs / 1000)),
    };
  }
}

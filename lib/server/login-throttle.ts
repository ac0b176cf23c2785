import type { McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { StoreNamespace } from '../storage/store-key.js';

const ATTEMPTS = new StoreNamespace<number>('oauth-login-failures');

/**
 * Limits sign-in attempts per username (hashed) in a fixed window (AS-06): every attempt is
 * counted *before* the password is checked, atomically in the shared store, so parallel
 * guesses — on one instance or many — cannot run past the limit while earlier checks are still
 * hashing. A successful sign-in clears the count, so at most `maxFailures` wrong passwords are
 * tried per window. Unknown usernames are counted the same way, so a lock reveals nothing about
 * which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly store: McpAuthStore,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
  ) {}

  /**
   * Counts one attempt for `username`.
   * @returns `false` when the name is locked for the rest of the window: do not check the
   *   password, answer as for a wrong one.
   */
  async attempt(username: string): Promise<boolean> {
    const { value } = await this.store.increment(ATTEMPTS.secret(username.toLowerCase()), this.windowSeconds * 1000);
    return value <= this.maxFailures;
  }

  /** The attempt succeeded: the name starts afresh. */
  async succeeded(username: string): Promise<void> {
    await this.store.delete(ATTEMPTS.secret(username.toLowerCase()));
  }
}

import type { McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { StoreNamespace } from '../storage/store-key.js';

const FAILURES = new StoreNamespace<number>('oauth-login-failures');

/**
 * Counts failed sign-ins per username (hashed) in a fixed window and locks the name after
 * `maxFailures` (AS-06). Unknown usernames are counted the same way, so a lock reveals nothing
 * about which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly store: McpAuthStore,
    private readonly maxFailures: number,
    private readonly windowSeconds: number,
  ) {}

  async locked(username: string): Promise<boolean> {
    return ((await this.store.get(FAILURES.secret(username.toLowerCase()))) ?? 0) >= this.maxFailures;
  }

  async failed(username: string): Promise<void> {
    await this.store.increment(FAILURES.secret(username.toLowerCase()), this.windowSeconds * 1000);
  }

  async succeeded(username: string): Promise<void> {
    await this.store.delete(FAILURES.secret(username.toLowerCase()));
  }
}

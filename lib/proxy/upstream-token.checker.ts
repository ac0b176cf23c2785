import { BoundedTtlCache } from '../core/bounded-ttl-cache.js';
import type { McpAuthClock } from '../core/clock.js';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';
import { UpstreamRejectedError, UpstreamTransientError } from './upstream/upstream.errors.js';
import type { UpstreamTokens } from './upstream/upstream-tokens.interface.js';

/** What a successful check established: the MCP scopes the upstream token holds now, if reported. */
export interface UpstreamCheck {
  readonly scopes?: readonly string[];
}

/** Grants whose check result is remembered, per instance. */
const MAX_CACHED_CHECKS = 10_000;

/**
 * Request-time checks of a grant's upstream access token (GitHub `GET /user`, Discord `@me`,
 * local JWT verification, or userinfo), for providers whose tokens only the provider can judge.
 *
 * - A success is cached per grant for `tokenValidationSeconds` (never past the upstream token's
 *   expiry), so a busy client costs one upstream call per window; concurrent checks of one grant
 *   share one call.
 * - The provider refusing the token (401) means the user revoked the app there: the grant is
 *   revoked (`revoke`) and the request gets 401 `invalid_token`.
 * - An outage is never cached and never taken for a refusal: 503 with the upstream's
 *   `Retry-After` (security catalog F-11); so is an answer that cannot be understood.
 */
export class UpstreamTokenChecker {
  private readonly passed: BoundedTtlCache<UpstreamCheck>;
  private readonly running = new Map<string, Promise<UpstreamCheck>>();

  constructor(
    private readonly upstream: UpstreamOAuthClient,
    private readonly clock: McpAuthClock,
    private readonly revoke: (grantId: string) => Promise<unknown>,
  ) {
    this.passed = new BoundedTtlCache(MAX_CACHED_CHECKS, () => clock.now());
  }

  /** Whether request-time checks are configured for the provider. */
  get enabled(): boolean {
    return (this.upstream.provider.tokenValidationSeconds ?? 0) > 0;
  }

  /**
   * Checks the grant's upstream token (cached).
   * @param tokens the grant's current upstream tokens (refreshed first when near expiry).
   * @throws InvalidTokenError when the provider refused the token (the grant is then revoked).
   * @throws UpstreamTransientError / VerifierUnavailableError (503) when it cannot be judged now.
   */
  check(
    grant: { readonly grantId: string; readonly subject: string },
    tokens: () => Promise<UpstreamTokens>,
  ): Promise<UpstreamCheck> {
    const cached = this.passed.get(grant.grantId);
    if (cached) return Promise.resolve(cached);
    const pending = this.running.get(grant.grantId);
    if (pending) return pending;
    const run = this.run(grant, tokens).finally(() => this.running.delete(grant.grantId));
    this.running.set(grant.grantId, run);
    return run;
  }

  /** Forgets a grant's cached result (its upstream token changed or the grant was revoked). */
  forget(grantId: string): void {
    this.passed.delete(grantId);
  }

  private async run(
    grant: { readonly grantId: string; readonly subject: string },
    tokens: () => Promise<UpstreamTokens>,
  ): Promise<UpstreamCheck> {
    try {
      const current = await tokens();
      const identity = this.upstream.provider.accessTokenVerification
        ? await this.upstream.verifyAccessToken(current.accessToken)
        : await this.upstream.identity({ accessToken: current.accessToken });
      if (identity.subject !== grant.subject) {
        // The token speaks for someone else than the grant's user: never act on it.
        await this.revoke(grant.grantId);
        throw new InvalidTokenError('The upstream authorization belongs to another user', 'inactive');
      }
      const result: UpstreamCheck = identity.scopes ? { scopes: identity.scopes } : {};
      const seconds = this.upstream.provider.tokenValidationSeconds ?? 0;
      const until = Math.min(
        this.clock.now() + seconds * 1000,
        current.expiresAt === undefined ? Number.POSITIVE_INFINITY : current.expiresAt * 1000,
      );
      this.passed.set(grant.grantId, result, until);
      return result;
    } catch (error) {
      if (error instanceof InvalidTokenError || error instanceof UpstreamTransientError) throw error;
      if (error instanceof UpstreamRejectedError) {
        await this.revoke(grant.grantId);
        throw new InvalidTokenError('The authorization at the identity provider is no longer valid', 'inactive', {
          cause: error,
        });
      }
      throw new VerifierUnavailableError('The identity provider could not confirm the authorization', {
        cause: error,
      });
    }
  }
}

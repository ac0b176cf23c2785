import type { McpAccessToken, McpUpstreamTokenAccessor } from '../core/access-token.js';
import type { McpAuthClock } from '../core/clock.js';
import type { GrantRecord } from '../oauth/grants/grant-records.js';
import type { GrantService } from '../oauth/grants/grant.service.js';
import type { RecordCipher, Sealed } from '../storage/record-cipher.js';
import type { SingleFlight } from '../storage/single-flight.js';
import { StoreNamespace, type StoreKey } from '../storage/store-key.js';
import { UpstreamTokenChecker } from './upstream-token.checker.js';
import type { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';
import { UpstreamRejectedError } from './upstream/upstream.errors.js';
import type { UpstreamTokens } from './upstream/upstream-tokens.interface.js';

/** Level 3's implementation of the token's `upstream` accessor. */
export type UpstreamTokenAccessor = McpUpstreamTokenAccessor & { tokens(): Promise<UpstreamTokens> };

/** Refresh this long before the upstream token expires. */
const REFRESH_AHEAD_SECONDS = 60;
const SEAL_CONTEXT = new StoreNamespace<unknown>('oauth-upstream');

/** What encrypted upstream tokens are bound to: swapping them between users' grants fails (S-04). */
export function upstreamSealContext(subject: string, clientId: string): StoreKey<unknown> {
  return SEAL_CONTEXT.key(`${clientId}|${subject}`.slice(0, 1000));
}

/**
 * Opens, refreshes and re-seals the upstream tokens kept in a grant. Refreshes run once across
 * all instances ({@link SingleFlight}), so an upstream that rotates single-use refresh tokens is
 * never asked twice; a permanent refusal revokes the grant, a transient failure surfaces as
 * a 503 and leaves the grant intact. What a refresh flight leaves in the store for the
 * other instances is the sealed token set, never the tokens in clear (S-01).
 */
export class UpstreamTokenVault {
  private readonly checker: UpstreamTokenChecker;

  constructor(
    private readonly grants: GrantService,
    private readonly cipher: RecordCipher,
    private readonly flights: SingleFlight,
    private readonly upstream: UpstreamOAuthClient,
    private readonly clock: McpAuthClock,
  ) {
    this.checker = new UpstreamTokenChecker(upstream, clock, (grantId) => this.revoke(grantId));
  }

  accessorFor(grantId: string): UpstreamTokenAccessor {
    return {
      tokens: () => this.current(grantId),
      accessToken: async () => (await this.current(grantId)).accessToken,
    };
  }

  /**
   * Completes a verified access token of a proxy grant: adds the `upstream` accessor and, when
   * the provider's tokens are checked at request time, checks the upstream token (cached) and
   * narrows the token's scopes to those the upstream still grants.
   * @throws InvalidTokenError (401) when the upstream refused the token; 503 errors when it
   * cannot be judged now.
   */
  async decorate(token: McpAccessToken, grantId: string): Promise<McpAccessToken> {
    const upstream = this.accessorFor(grantId);
    if (!this.checker.enabled) return { ...token, upstream };
    const check = await this.checker.check({ grantId, subject: token.sub }, () => this.current(grantId));
    const scopes = check.scopes ? token.scopes.filter((scope) => check.scopes!.includes(scope)) : token.scopes;
    return { ...token, scopes, upstream };
  }

  async seal(tokens: UpstreamTokens, subject: string, clientId: string): Promise<Sealed<UpstreamTokens>> {
    return this.cipher.seal(tokens, upstreamSealContext(subject, clientId));
  }

  async open(grant: Pick<GrantRecord, 'upstream' | 'subject' | 'clientId'>): Promise<UpstreamTokens | undefined> {
    if (!grant.upstream) return undefined;
    return this.cipher.open(
      grant.upstream as Sealed<UpstreamTokens>,
      upstreamSealContext(grant.subject, grant.clientId),
    );
  }

  private async current(grantId: string): Promise<UpstreamTokens> {
    const grant = await this.load(grantId);
    const tokens = (await this.open(grant)) as UpstreamTokens;
    if (!this.expiresSoon(tokens)) return tokens;
    // The flight's result is stored for waiters on other instances: it must be the sealed value.
    const sealed = await this.flights.run(`upstream-refresh:${grantId}`, () => this.refresh(grantId));
    return this.cipher.open(sealed, upstreamSealContext(grant.subject, grant.clientId));
  }

  private async refresh(grantId: string): Promise<Sealed<UpstreamTokens>> {
    // Read again inside the flight: another instance may have refreshed already.
    const grant = await this.load(grantId);
    const tokens = (await this.open(grant)) as UpstreamTokens;
    if (!this.expiresSoon(tokens) || !tokens.refreshToken) return grant.upstream as Sealed<UpstreamTokens>;
    try {
      const refreshed = await this.upstream.refresh(tokens.refreshToken, {
        scopes: tokens.scopes,
        refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
      });
      const sealed = await this.seal(refreshed, grant.subject, grant.clientId);
      await this.grants.updateGrant({ ...grant, upstream: sealed });
      this.checker.forget(grantId);
      return sealed;
    } catch (error) {
      if (error instanceof UpstreamRejectedError) await this.revoke(grantId);
      throw error;
    }
  }

  private async revoke(grantId: string): Promise<void> {
    this.checker.forget(grantId);
    await this.grants.revokeGrant(grantId);
  }

  private async load(grantId: string): Promise<GrantRecord> {
    const grant = await this.grants.grant(grantId);
    if (!grant?.upstream) {
      throw new UpstreamRejectedError('The upstream authorization no longer exists', {
        operation: 'refresh',
        reason: 'invalid_grant',
      });
    }
    return grant;
  }

  private expiresSoon(tokens: UpstreamTokens): boolean {
    return tokens.expiresAt !== undefined && tokens.expiresAt - REFRESH_AHEAD_SECONDS <= this.clock.now() / 1000;
  }
}

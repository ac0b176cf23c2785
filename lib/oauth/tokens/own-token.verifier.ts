import { compactVerify } from 'jose';
import type { McpAccessToken } from '../../core/access-token.js';
import { BoundedTtlCache } from '../../core/bounded-ttl-cache.js';
import type { McpAuthClock } from '../../core/clock.js';
import { InvalidTokenError } from '../../core/errors/token.errors.js';
import type { McpTokenVerifier } from '../../core/token-verifier.js';
import type { SigningKeySet } from '../../keys/signing-key-set.js';
import { JwtTokenStrategy } from '../../verifiers/jwt/jwt-token.strategy.js';
import type { GrantService } from '../grants/grant.service.js';
import { McpPassportStrategy } from '../../verifiers/passport-bridge.js';

/** How long "this grant is not revoked" is believed before the store is asked again. */
export const REVOCATION_CHECK_SECONDS = 10;

/**
 * Verifies the access tokens this server issued (levels 3 and 4): signature with the server's
 * own published keys, `typ: at+jwt` required, `iss` = this issuer, `aud` = the MCP resource —
 * and the grant not revoked (policy P-10).
 *
 * Revocation costs no storage round trip on the common path: whether a grant is revoked is
 * remembered for {@link REVOCATION_CHECK_SECONDS}, so a revocation reaches other instances within
 * that time and the revoking instance at once ({@link forgetGrant}).
 */
export class OwnTokenVerifier extends McpPassportStrategy implements McpTokenVerifier {
  name = 'mcp-own-token';
  private readonly jwt: JwtTokenStrategy;
  private readonly notRevoked: BoundedTtlCache<true>;
  /** Store look-ups in progress, per grant: concurrent requests share one (bench/oauth/README.md). */
  private readonly revocationLookups = new Map<string, Promise<boolean>>();
  /** Counts {@link forgetGrant} calls. */
  private forgets = 0;
  private readonly keyResolver: ReturnType<SigningKeySet['verificationKey']>;

  constructor(
    keys: SigningKeySet,
    private readonly grants: GrantService,
    private readonly clock: McpAuthClock,
    settings: { issuer: string; resources: readonly string[] },
    /** Adds level-specific capabilities to a verified token (the proxy's upstream accessor). */
    private readonly decorate: (token: McpAccessToken, grantId: string) => McpAccessToken | Promise<McpAccessToken> = (
      token,
    ) => token,
  ) {
    super();
    this.jwt = new JwtTokenStrategy(
      {
        type: 'jwt',
        issuer: settings.issuer,
        audience: [...settings.resources],
        requiredType: 'at+jwt',
        algorithms: [...keys.algorithms],
        clockToleranceSeconds: 5,
      },
      { resourceUrl: settings.resources[0], clock, keys: keys.verificationKey() },
    );
    this.notRevoked = new BoundedTtlCache(10_000, () => clock.now());
    // Whatever revokes a grant on this instance, its tokens fail here at once.
    grants.onGrantRevoked((grantId) => {
      if (grantId) this.forgetGrant(grantId);
    });
    this.keyResolver = keys.verificationKey();
  }

  /**
   * The grant and client of one of our access tokens whose signature checks out, expired or
   * not (a client may revoke an expired token's grant); `undefined` for anything else.
   */
  async grantOf(token: string): Promise<{ grantId: string; clientId: string } | undefined> {
    try {
      const { payload } = await compactVerify(token, this.keyResolver);
      const claims = JSON.parse(new TextDecoder().decode(payload)) as { gid?: unknown; client_id?: unknown };
      return typeof claims.gid === 'string' && typeof claims.client_id === 'string'
        ? { grantId: claims.gid, clientId: claims.client_id }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async verify(token: string): Promise<McpAccessToken> {
    const verified = await this.jwt.verify(token);
    const grantId = verified.claims.gid;
    if (typeof grantId !== 'string' || grantId === '')
      throw new InvalidTokenError('The access token has no grant', 'claims');
    if (this.notRevoked.get(grantId) === undefined) {
      const forgets = this.forgets;
      if (await this.isRevoked(grantId)) throw new InvalidTokenError('The access token was revoked', 'inactive');
      // A grant forgotten during the look-up may have been revoked after it: do not remember it.
      if (forgets === this.forgets)
        this.notRevoked.set(grantId, true, this.clock.now() + REVOCATION_CHECK_SECONDS * 1000);
    }
    return this.decorate(verified, grantId);
  }

  /**
   * One store look-up per grant at a time: when the remembered answer expires under load, every
   * request in flight would otherwise send its own `GET` (16 at once with 16 connections).
   */
  private isRevoked(grantId: string): Promise<boolean> {
    const pending = this.revocationLookups.get(grantId);
    if (pending !== undefined) return pending;
    const lookup: Promise<boolean> = this.grants.isRevoked(grantId).finally(() => {
      if (this.revocationLookups.get(grantId) === lookup) this.revocationLookups.delete(grantId);
    });
    this.revocationLookups.set(grantId, lookup);
    return lookup;
  }

  /** Call after revoking a grant on this instance, so its tokens fail here at once. */
  forgetGrant(grantId: string): void {
    this.forgets += 1;
    this.notRevoked.delete(grantId);
    // Requests arriving from now on ask the store again rather than join a look-up started before.
    this.revocationLookups.delete(grantId);
  }
}

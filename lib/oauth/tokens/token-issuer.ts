import type { McpAuthClock } from '../../core/clock.js';
import type { AccessTokenSigner } from '../../keys/access-token-signer.js';
import { newJti } from '../../keys/jti.util.js';

/** RFC 6749 §5.1 token response, with `scope` always present (SDK v2 step-up needs it). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
  readonly refresh_token?: string;
}

/** What an access token is issued for. */
export interface AccessTokenSubject {
  /** Grant (refresh-token family) id; revoking the grant revokes the token. */
  readonly grantId: string;
  readonly clientId: string;
  readonly subject: string;
  readonly resource: string;
  /** Extra, non-reserved claims (e.g. the upstream identity's login). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** Claims the issuer sets; extra claims never override them. */
const RESERVED = new Set(['iss', 'aud', 'sub', 'client_id', 'scope', 'exp', 'iat', 'nbf', 'jti', 'gid']);

/**
 * Issues RFC 9068 access tokens (signed JWTs: `typ: at+jwt`, `kid`, `iss`, `aud` = the resource,
 * `sub`, `client_id`, `scope`, `iat`, `exp`, `jti`, and `gid` — the grant, for revocation) and
 * shapes the token response. Third parties can verify them with the published JWKS.
 */
export class TokenIssuer {
  constructor(
    private readonly signer: AccessTokenSigner,
    private readonly clock: McpAuthClock,
    private readonly issuer: string,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  async issue(subject: AccessTokenSubject, scopes: readonly string[], refreshToken?: string): Promise<TokenResponse> {
    const iat = Math.floor(this.clock.now() / 1000);
    const extra = Object.fromEntries(Object.entries(subject.claims ?? {}).filter(([name]) => !RESERVED.has(name)));
    const scope = scopes.join(' ');
    const accessToken = await this.signer.sign({
      ...extra,
      iss: this.issuer,
      aud: subject.resource,
      sub: subject.subject,
      client_id: subject.clientId,
      scope,
      iat,
      exp: iat + this.accessTokenTtlSeconds,
      jti: newJti(),
      gid: subject.grantId,
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.accessTokenTtlSeconds,
      scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
  }
}

import { SignJWT, type JWTPayload } from 'jose';
import type { SigningKeySet } from './signing-key-set.js';

/** The JWT `typ` of access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * The claims of an access token the module issues (RFC 9068 §2.2). Every listed claim is
 * required; extra claims (for example a grant id `gid`) are signed as given.
 * @publicApi
 */
export interface AccessTokenClaims extends JWTPayload {
  /** Issuer: the authorization server's `issuer`, byte for byte. */
  iss: string;
  /** Audience: the resource (RFC 8707) the token is bound to. */
  aud: string | string[];
  /** Subject: the end user, or the client for `client_credentials`. */
  sub: string;
  /** The OAuth client the token is issued to. */
  client_id: string;
  /** Granted scopes, space-separated (may be empty). */
  scope: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** Issue time, seconds since the epoch. */
  iat: number;
  /** Unique token id, from {@link newJti}. */
  jti: string;
}

const REQUIRED_STRINGS = ['iss', 'sub', 'client_id', 'jti'] as const;

/**
 * Signs the access tokens of levels 3 and 4 as RFC 9068 JWTs, with the key that signs now in
 * the {@link SigningKeySet}: header `{ alg, kid, typ: "at+jwt" }`, claims as given.
 *
 * It refuses (with a `TypeError`: a bug in the caller, never a client error) claims missing one
 * of `iss`, `aud`, `sub`, `client_id`, `scope`, `exp`, `iat`, `jti`, and an `exp` that is not
 * in the future or lies more than `maxTokenLifetimeSeconds` ahead: the key set keeps a retired
 * key published only that long, so a longer-lived token would stop verifying before it expires.
 *
 * @example
 * ```ts
 * const now = Math.floor(clock.now() / 1000);
 * const token = await signer.sign({
 *   iss, aud: resourceUrl, sub: user.id, client_id: client.clientId, scope: 'mcp:read',
 *   iat: now, exp: now + 3600, jti: newJti(), gid: grant.id,
 * });
 * ```
 * @publicApi
 */
export class AccessTokenSigner {
  constructor(private readonly keys: SigningKeySet) {}

  /**
   * Signs an access token.
   * @throws TypeError when a required claim is missing or malformed, or `exp` is out of range.
   * @throws NoActiveSigningKeyError when no key signs now.
   */
  async sign(claims: AccessTokenClaims): Promise<string> {
    this.check(claims);
    const { kid, alg, key } = this.keys.signingKey();
    return new SignJWT(claims).setProtectedHeader({ alg, kid, typ: ACCESS_TOKEN_TYPE }).sign(key);
  }

  private check(claims: AccessTokenClaims): void {
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
      throw new TypeError('AccessTokenSigner.sign: claims must be an object');
    }
    for (const name of REQUIRED_STRINGS) {
      if (typeof claims[name] !== 'string' || claims[name] === '') refuse(name, 'a non-empty string');
    }
    const aud = claims.aud as unknown;
    const validAudience =
      (typeof aud === 'string' && aud !== '') ||
      (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string' && a !== ''));
    if (!validAudience) refuse('aud', 'a non-empty string or array of non-empty strings');
    if (typeof claims.scope !== 'string') refuse('scope', 'a string of space-separated scopes');
    if (!Number.isSafeInteger(claims.iat)) refuse('iat', 'an integer number of seconds since the epoch');
    if (!Number.isSafeInteger(claims.exp)) refuse('exp', 'an integer number of seconds since the epoch');
    const now = this.keys.clock.now() / 1000;
    const max = this.keys.maxTokenLifetimeSeconds;
    if (claims.exp <= now) throw new TypeError('AccessTokenSigner.sign: claim "exp" must be in the future');
    if (claims.exp > now + max) {
      throw new TypeError(
        `AccessTokenSigner.sign: claim "exp" must be at most maxTokenLifetimeSeconds (${max}) from now, or the token would outlive its key in the JWKS`,
      );
    }
    if (claims.iat > claims.exp) throw new TypeError('AccessTokenSigner.sign: claim "iat" must not be after "exp"');
  }
}

function refuse(claim: string, what: string): never {
  throw new TypeError(`AccessTokenSigner.sign: claim "${claim}" is required (${what})`);
}

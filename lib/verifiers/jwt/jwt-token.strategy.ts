import type { Request } from 'express';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import { Strategy as PassportJwtStrategy } from 'passport-jwt';
import type { McpAccessToken } from '../../core/access-token.js';
import type { McpAuthClock } from '../../core/clock.js';
import {
  InvalidTokenError,
  VerifierUnavailableError,
  type InvalidTokenReason,
} from '../../core/errors/token.errors.js';
import {
  DEFAULT_ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  type JwtVerifierOptions,
} from '../../core/options/verifier-options.js';
import { scopesFromClaims } from '../../core/scopes.js';
import { authenticateWithVerifier } from '../passport-bridge.js';
import { VerificationCache } from '../verification-cache.js';
import type { McpTokenVerifier } from '../../core/token-verifier.js';
import { createJwtKeyResolver, type JwksStats, type JwtVerificationKey } from './jwt-key-resolver.js';

/** Context the module gives every verifier. */
export interface VerifierContext {
  /** The module's `resourceUrl`: the default audience. */
  readonly resourceUrl: string;
  readonly clock: McpAuthClock;
  /**
   * Verification keys supplied directly (the authorization server's own rotating key set),
   * instead of the options' key source.
   */
  readonly keys?: JwtVerificationKey;
}

/** `typ` values accepted when `requiredType` is not configured (RFC 9068 §2.1, RFC 7519 §5.1). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'jwt']);

/**
 * Level 1: verifies JWT access tokens issued by another authorization server.
 *
 * It is a passport-jwt strategy (registered with Passport as `mcp-auth` when it is the module's
 * verifier), but the cryptographic and claim checks are done with jose, not with passport-jwt's
 * jsonwebtoken verifier, because jsonwebtoken cannot meet security-catalog §1.1:
 * - it ignores the `crit` header, so tokens with unknown critical extensions pass (V-13);
 * - it cannot require `exp` (V-16) nor check the `typ` header (V-14);
 * - it accepts `aud` arrays holding non-strings when one member matches (V-23);
 * - it does not bind a JWK's `alg` to the token's `alg` (V-05) nor refuse a future `iat` (V-19).
 * jose (`jwtVerify` with an algorithm allowlist, `requiredClaims`, `typ`, `clockTolerance`,
 * `maxTokenAge`) does all of these. `authenticate()` therefore routes the passport-jwt strategy
 * through {@link verify}, so Passport and the module's guard accept exactly the same tokens.
 *
 * @publicApi
 */
export class JwtTokenStrategy extends PassportJwtStrategy implements McpTokenVerifier {
  override name = 'mcp-jwt';
  /** Remote JWKS fetch counter (for health checks and benchmarks). */
  readonly jwksStats: JwksStats = { fetches: 0 };

  private readonly key: JwtVerificationKey;
  private readonly verifyOptions: Omit<JWTVerifyOptions, 'currentDate'>;
  private readonly issuers: ReadonlySet<string>;
  private readonly requiredType: string | undefined;
  private readonly toleranceMs: number;
  private readonly cache: VerificationCache | undefined;
  private readonly staticKeys: boolean;

  constructor(
    options: JwtVerifierOptions,
    private readonly context: VerifierContext,
  ) {
    super(
      {
        // Passport plumbing only: authenticate() below extracts and verifies with jose.
        jwtFromRequest: () => null,
        secretOrKeyProvider: (_req: unknown, _raw: unknown, done: (e: Error) => void) =>
          done(new Error('keys are resolved by jose')),
      },
      () => undefined,
    );
    this.key = context.keys ?? createJwtKeyResolver(options, this.jwksStats);
    this.staticKeys = options.publicKeys !== undefined;
    this.issuers = new Set(Array.isArray(options.issuer) ? options.issuer : [options.issuer]);
    this.requiredType = options.requiredType;
    const clockTolerance = options.clockToleranceSeconds ?? 30;
    this.toleranceMs = clockTolerance * 1000;
    this.verifyOptions = {
      algorithms: options.algorithms ?? [
        ...(options.secret !== undefined ? HMAC_ALGORITHMS : DEFAULT_ASYMMETRIC_ALGORITHMS),
      ],
      issuer: [...this.issuers],
      audience: options.audience ?? context.resourceUrl,
      clockTolerance,
      maxTokenAge: options.maxTokenAgeSeconds,
      requiredClaims: ['exp', 'sub', ...(options.maxTokenAgeSeconds ? ['iat'] : [])],
      typ: options.requiredType,
    };
    if (options.cache !== false) this.cache = new VerificationCache(options.cache ?? {}, () => context.clock.now());
  }

  override authenticate(req: Request): void {
    authenticateWithVerifier(this, this, req);
  }

  async verify(token: string): Promise<McpAccessToken> {
    const cached = this.cache?.lookup(token);
    if (cached instanceof InvalidTokenError) throw cached;
    if (cached !== undefined) return cached;
    try {
      const { payload, protectedHeader } = await this.verifySignatureAndClaims(token);
      const verified = this.toAccessToken(token, payload, protectedHeader);
      this.cache?.accept(token, verified, this.validUntil(payload), notBefore(payload, this.toleranceMs));
      return verified;
    } catch (error) {
      const rejection = toVerificationError(error);
      if (rejection instanceof InvalidTokenError) this.cache?.reject(token, rejection);
      throw rejection;
    }
  }

  private async verifySignatureAndClaims(token: string): Promise<{
    payload: JWTPayload;
    protectedHeader: ProtectedHeaderParameters;
  }> {
    const options = { ...this.verifyOptions, currentDate: new Date(this.context.clock.now()) };
    try {
      try {
        return await jwtVerify(token, this.key as never, options);
      } catch (error) {
        // Several configured static keys fit the token (PEM keys have no `kid`): try each, as
        // jose documents. A remote JWKS keeps refusing ambiguous tokens (security catalog V-09).
        if (!(this.staticKeys && error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
        for await (const candidate of error) {
          try {
            return await jwtVerify(token, candidate, options);
          } catch (inner) {
            if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
          }
        }
        throw new errors.JWSSignatureVerificationFailed();
      }
    } catch (error) {
      // Fix (security catalog V-30): jose refuses a resolved key it cannot use for the token's
      // `alg` with a plain TypeError, e.g. an RSA key under 2048 bits for RS256. Key-source
      // failures never arrive here as TypeErrors (the key resolver turns them into
      // VerifierUnavailableError), so this is the token naming an unusable key: a 401, where
      // the generic mapping below used to answer 503 and make clients retry it forever.
      if (error instanceof TypeError) {
        throw new InvalidTokenError('No usable trusted key matches the access token', 'unknown_key', { cause: error });
      }
      throw error;
    }
  }

  /**
   * Last moment (epoch ms) at which jose would still accept the token: `exp` plus tolerance and,
   * with `maxTokenAgeSeconds`, `iat + maxTokenAge` plus tolerance. Fix: the cache used to keep a
   * token for its whole TTL even when its maximum age ran out earlier (policy P-4).
   */
  private validUntil(payload: JWTPayload): number {
    const untilExp = (payload.exp as number) * 1000 + this.toleranceMs;
    const maxAge = this.verifyOptions.maxTokenAge;
    if (typeof maxAge !== 'number' || typeof payload.iat !== 'number') return untilExp;
    // jose refuses once `now - iat - tolerance > maxAge` in whole seconds.
    return Math.min(untilExp, (payload.iat + maxAge + 1) * 1000 + this.toleranceMs);
  }

  /** Checks jose leaves to the caller, then shapes the result. */
  private toAccessToken(token: string, payload: JWTPayload, header: ProtectedHeaderParameters): McpAccessToken {
    // Fix: a non-string `typ` (`5`, `null`) made normalizeTyp throw a TypeError, answered 503.
    if (
      this.requiredType === undefined &&
      header.typ !== undefined &&
      (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(normalizeTyp(header.typ)))
    ) {
      throw new InvalidTokenError('The token is not an access token', 'type');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new InvalidTokenError('The access token has no valid subject', 'claims');
    }
    if (Array.isArray(payload.aud) && !payload.aud.every((a) => typeof a === 'string')) {
      throw new InvalidTokenError('The access token audience is malformed', 'audience');
    }
    const claims = payload as Record<string, unknown>;
    const audiences = new Set(typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []));
    const expected = this.verifyOptions.audience;
    const resource = (Array.isArray(expected) ? expected : [expected]).find((a) => a !== undefined && audiences.has(a));
    return {
      token,
      sub: payload.sub,
      clientId: firstString(claims.client_id, claims.azp) ?? payload.sub,
      scopes: scopesFromClaims(claims),
      expiresAt: payload.exp as number,
      resource,
      issuer: payload.iss,
      claims,
    };
  }
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v !== '');
}

function notBefore(payload: JWTPayload, toleranceMs: number): number {
  return typeof payload.nbf === 'number' ? payload.nbf * 1000 - toleranceMs : 0;
}

/** jose error → typed error. Anything unrecognised means the token could not be judged. */
function toVerificationError(error: unknown): InvalidTokenError | VerifierUnavailableError {
  if (error instanceof InvalidTokenError || error instanceof VerifierUnavailableError) return error;
  if (error instanceof errors.JWTExpired) return new InvalidTokenError('The access token has expired', 'expired');
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError('The access token signature is invalid', 'signature');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError('The access token signing algorithm is not accepted', 'algorithm');
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new InvalidTokenError('No trusted key matches the access token', 'unknown_key');
  }
  if (error instanceof errors.JOSEError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported (unknown crit, unsupported alg), JWKInvalid…
    return new InvalidTokenError('The access token is malformed or uses unsupported features', 'malformed');
  }
  return new VerifierUnavailableError('The access token cannot be verified right now', { cause: error });
}

const CLAIM_REASONS: Record<string, InvalidTokenReason> = {
  iss: 'issuer',
  aud: 'audience',
  nbf: 'not_yet_valid',
  typ: 'type',
};

function claimError(error: InstanceType<typeof errors.JWTClaimValidationFailed>): InvalidTokenError {
  const reason =
    error.claim === 'iat' && /in the past/.test(error.message)
      ? 'not_yet_valid'
      : (CLAIM_REASONS[error.claim] ?? 'claims');
  const messages: Partial<Record<InvalidTokenReason, string>> = {
    issuer: 'The access token was issued by an untrusted issuer',
    audience: 'The access token was not issued for this resource',
    not_yet_valid: 'The access token is not valid yet',
    type: 'The token is not an access token',
  };
  // The claim name is not quoted: RFC 6750 forbids `"` in error_description, and the sanitised
  // quotes used to show up as double spaces ("has an invalid  exp  claim").
  return new InvalidTokenError(messages[reason] ?? `The access token has an invalid ${error.claim} claim`, reason);
}

import { errors, jwtVerify, type JWTPayload } from 'jose';
import { VerifierUnavailableError } from '../../../core/errors/token.errors.js';
import { createJwtKeyResolver, type JwtVerificationKey } from '../../../verifiers/jwt/jwt-key-resolver.js';
import { UpstreamTransientError, type UpstreamError, type UpstreamOperation } from '../upstream.errors.js';

/** Checks of one upstream JWT (ID token or access token). @internal */
export interface UpstreamJwtChecks {
  /** Accepted `iss` values; not checked by jose when absent (the caller checks it). */
  readonly issuers?: readonly string[];
  readonly audience?: string;
  readonly algorithms: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly requiredClaims: readonly string[];
  /** Epoch milliseconds. */
  readonly now: number;
}

/**
 * The upstream's signing keys, by JWKS URL: the level-1 key resolver (jose remote JWKS with
 * timeout, cooldown, size cap, refusal of private keys, stale-if-error), created on first use
 * and again only if the URL changes (after a metadata refresh).
 * @internal
 */
export class UpstreamJwks {
  private current: { uri: string; key: JwtVerificationKey } | undefined;

  constructor(private readonly timeoutMs: number) {}

  keysAt(jwksUri: string): JwtVerificationKey {
    if (this.current?.uri !== jwksUri) {
      this.current = {
        uri: jwksUri,
        key: createJwtKeyResolver({ type: 'jwt', issuer: 'upstream', jwksUri, jwks: { timeoutMs: this.timeoutMs } }),
      };
    }
    return this.current.key;
  }
}

/**
 * Verifies an upstream JWT with jose. A key source that cannot be loaded is an
 * {@link UpstreamTransientError}; every other failure (signature, claims, algorithm, format) is
 * turned into the caller's error by `refuse`.
 * @internal
 */
export async function verifyUpstreamJwt(
  token: string,
  key: JwtVerificationKey,
  checks: UpstreamJwtChecks,
  operation: UpstreamOperation,
  refuse: (cause: unknown) => UpstreamError,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, key as never, {
      algorithms: [...checks.algorithms],
      ...(checks.issuers ? { issuer: [...checks.issuers] } : {}),
      ...(checks.audience !== undefined ? { audience: checks.audience } : {}),
      clockTolerance: checks.clockToleranceSeconds,
      requiredClaims: [...checks.requiredClaims],
      currentDate: new Date(checks.now),
    });
    return payload;
  } catch (error) {
    if (error instanceof VerifierUnavailableError) {
      throw new UpstreamTransientError('The identity provider signing keys cannot be loaded right now', {
        operation,
        reason: 'unavailable',
        cause: error,
      });
    }
    if (error instanceof errors.JOSEError || error instanceof TypeError) throw refuse(error);
    throw new UpstreamTransientError('The identity provider token cannot be verified right now', {
      operation,
      reason: 'unavailable',
      cause: error,
    });
  }
}

/** Whether every `required` claim has exactly the configured value. @internal */
export function hasRequiredClaims(
  payload: JWTPayload,
  required: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(required ?? {}).every(([name, value]) => payload[name] === value);
}

import { scopesFromClaims } from '../../../core/scopes.js';
import { UpstreamRejectedError } from '../upstream.errors.js';
import type { ResolvedUpstreamEndpoints } from '../upstream-metadata.js';
import type { UpstreamProvider } from '../upstream-provider.interface.js';
import type { UpstreamIdentity } from '../upstream-tokens.interface.js';
import { missingSubject } from './identity-response.util.js';
import { hasRequiredClaims, verifyUpstreamJwt, type UpstreamJwks } from './upstream-jwt.js';

/**
 * Verifies an upstream JWT access token locally (no call upstream): signature via the
 * upstream's JWKS, `iss`, `exp`, `aud` when an audience is configured (Auth0 API identifier),
 * the client-id claim when one is configured (Cognito access tokens carry `client_id` and no
 * `aud`), and required claim values (Cognito `token_use: access`). Failures are
 * {@link UpstreamRejectedError} `invalid_token`; a key source that cannot be loaded is transient.
 *
 * @internal
 */
export async function verifyUpstreamAccessToken(
  provider: UpstreamProvider,
  endpoints: ResolvedUpstreamEndpoints,
  jwks: UpstreamJwks,
  accessToken: string,
  now: number,
): Promise<UpstreamIdentity> {
  const rules = provider.accessTokenVerification;
  const refuse = (message: string, cause?: unknown) =>
    new UpstreamRejectedError(message, { operation: 'identity', reason: 'invalid_token', cause });
  if (!rules || !endpoints.jwksUri) throw refuse('The identity provider access tokens cannot be verified locally');
  const payload = await verifyUpstreamJwt(
    accessToken,
    jwks.keysAt(endpoints.jwksUri),
    {
      issuers: rules.issuers,
      audience: rules.audience,
      algorithms: rules.algorithms,
      clockToleranceSeconds: rules.clockToleranceSeconds,
      requiredClaims: ['iss', 'exp', 'sub'],
      now,
    },
    'identity',
    (cause) => refuse('The identity provider access token is invalid', cause),
  );
  if (rules.clientIdClaim !== undefined && payload[rules.clientIdClaim] !== provider.clientId) {
    throw refuse('The identity provider access token was issued to another client');
  }
  if (!hasRequiredClaims(payload, rules.requiredClaims)) {
    throw refuse('The identity provider access token lacks a required claim value');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw missingSubject();
  const scopes = scopesFromClaims(payload as Record<string, unknown>);
  return {
    subject: payload.sub,
    claims: payload as Record<string, unknown>,
    source: 'access_token',
    upstreamScopes: scopes,
    expiresAt: payload.exp as number,
  };
}

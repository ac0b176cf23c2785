import type { JWTPayload } from 'jose';
import { UpstreamProtocolError } from '../upstream.errors.js';
import type { ResolvedUpstreamEndpoints } from '../upstream-metadata.js';
import type { OidcIdentityConfig, UpstreamProvider } from '../upstream-provider.interface.js';
import type { UpstreamHttp } from '../upstream-http.js';
import type { UpstreamIdentity, UpstreamTokens } from '../upstream-tokens.interface.js';
import { getIdentityJson, missingSubject } from './identity-response.util.js';
import { hasRequiredClaims, verifyUpstreamJwt, type UpstreamJwks } from './upstream-jwt.js';

/** Entra's tenant id of personal Microsoft accounts. */
export const ENTRA_CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ID token members that are protocol plumbing, not identity. */
const PROTOCOL_CLAIMS = ['nonce', 'at_hash', 'c_hash', 's_hash'];

/** Everything the OIDC identity needs from the client. @internal */
export interface OidcIdentityDeps {
  readonly provider: UpstreamProvider;
  readonly config: OidcIdentityConfig;
  readonly endpoints: ResolvedUpstreamEndpoints;
  readonly http: UpstreamHttp;
  readonly jwks: UpstreamJwks;
  readonly now: () => number;
}

/**
 * OpenID Connect identity (see {@link OidcIdentityConfig} for the modes). The ID token must be
 * signed by a key of the upstream's JWKS with an accepted algorithm, be issued by the upstream
 * (`iss`, or Entra's per-tenant rule) for our client (`aud`, and `azp` when present or when
 * there are several audiences), be within `exp`/`iat`, carry the `nonce` of the authorization
 * request when one was sent, and name a non-empty `sub` (security catalog CB-11).
 *
 * @internal
 */
export async function resolveOidcIdentity(
  deps: OidcIdentityDeps,
  tokens: Pick<UpstreamTokens, 'accessToken' | 'idToken'>,
  nonce: string | undefined,
): Promise<UpstreamIdentity> {
  const { config, endpoints } = deps;
  const idToken = config.mode !== 'userinfo' ? tokens.idToken : undefined;
  const wantsUserinfo = config.mode !== 'id_token' || idToken === undefined;
  if (config.mode === 'id_token' && idToken === undefined && !endpoints.userinfo) {
    throw notConfigured('The identity provider returned no ID token');
  }
  if (wantsUserinfo && !endpoints.userinfo) throw notConfigured('The identity provider has no userinfo endpoint');
  if (nonce !== undefined && config.mode !== 'userinfo' && idToken === undefined) {
    throw idTokenError('The identity provider returned no ID token for an authentication request');
  }
  const fromIdToken = idToken !== undefined ? await verifyIdToken(deps, idToken, nonce) : undefined;
  if (!wantsUserinfo)
    return { subject: fromIdToken!.sub as string, claims: idTokenClaims(fromIdToken!), source: 'id_token' };
  const { body } = await getIdentityJson(deps.http, endpoints.userinfo as string, tokens.accessToken, deps.now);
  if (typeof body.sub !== 'string' || body.sub === '') throw missingSubject();
  if (fromIdToken === undefined) return { subject: body.sub, claims: body, source: 'userinfo' };
  if (body.sub !== fromIdToken.sub) throw idTokenError('The userinfo subject differs from the ID token subject');
  return { subject: body.sub, claims: { ...body, ...idTokenClaims(fromIdToken) }, source: 'id_token+userinfo' };
}

async function verifyIdToken(deps: OidcIdentityDeps, idToken: string, nonce: string | undefined): Promise<JWTPayload> {
  const { config, provider, endpoints } = deps;
  if (!endpoints.jwksUri) throw notConfigured('The identity provider has no JWKS to verify ID tokens with');
  const issuers = config.entra ? undefined : (config.issuers ?? (provider.issuer ? [provider.issuer] : []));
  const payload = await verifyUpstreamJwt(
    idToken,
    deps.jwks.keysAt(endpoints.jwksUri),
    {
      issuers,
      audience: provider.clientId,
      algorithms: config.algorithms,
      clockToleranceSeconds: config.clockToleranceSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      now: deps.now(),
    },
    'identity',
    (cause) => idTokenError('The identity provider ID token is invalid', cause),
  );
  if (config.entra && !entraIssuerAccepted(config.entra, payload)) {
    throw idTokenError('The identity provider ID token was issued by an unaccepted tenant');
  }
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if ((audiences.length > 1 || payload.azp !== undefined) && payload.azp !== provider.clientId) {
    throw idTokenError('The identity provider ID token was issued to another party');
  }
  if (nonce !== undefined && payload.nonce !== nonce)
    throw idTokenError('The identity provider ID token nonce does not match');
  if (!hasRequiredClaims(payload, config.requiredClaims)) {
    throw idTokenError('The identity provider ID token lacks a required claim value');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw missingSubject();
  return payload;
}

/**
 * Entra v2 issuers are per tenant: `{authority}/{tid}/v2.0`. A GUID tenant accepts only itself;
 * `organizations` any work or school tenant; `consumers` only personal accounts; `common` both;
 * `allowedTenants` narrows further.
 */
export function entraIssuerAccepted(rule: NonNullable<OidcIdentityConfig['entra']>, payload: JWTPayload): boolean {
  const tid = payload.tid;
  if (typeof tid !== 'string' || !GUID.test(tid)) return false;
  if (payload.iss !== `${rule.authority.replace(/\/+$/, '')}/${tid}/v2.0`) return false;
  const tenant = rule.tenant.toLowerCase();
  const lowerTid = tid.toLowerCase();
  if (GUID.test(tenant) && lowerTid !== tenant) return false;
  if (tenant === 'organizations' && lowerTid === ENTRA_CONSUMERS_TENANT) return false;
  if (tenant === 'consumers' && lowerTid !== ENTRA_CONSUMERS_TENANT) return false;
  return !rule.allowedTenants || rule.allowedTenants.some((allowed) => allowed.toLowerCase() === lowerTid);
}

function idTokenClaims(payload: JWTPayload): Record<string, unknown> {
  const claims: Record<string, unknown> = { ...payload };
  for (const name of PROTOCOL_CLAIMS) delete claims[name];
  return claims;
}

function idTokenError(message: string, cause?: unknown): UpstreamProtocolError {
  return new UpstreamProtocolError(message, { operation: 'identity', reason: 'id_token', cause });
}

function notConfigured(message: string): UpstreamProtocolError {
  return new UpstreamProtocolError(message, { operation: 'identity', reason: 'not_configured' });
}

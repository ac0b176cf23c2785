import { createPublicKey, X509Certificate } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  type ExportedJWKSCache,
  type JWK,
  type JWTHeaderParameters,
  type FlattenedJWSInput,
  type JWTVerifyGetKey,
} from 'jose';
import { discoverAuthorizationServerMetadata } from '../../core/authorization-server-discovery.js';
import { VerifierUnavailableError } from '../../core/errors/token.errors.js';
import { readCapped } from '../read-capped.js';
import type { JwtVerifierOptions } from '../../core/options/verifier-options.js';

/** What `jwtVerify` accepts as a key: a fixed key or a resolver by header. */
export type JwtVerificationKey = JWTVerifyGetKey | Uint8Array | JWK;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** Key-selection failures that are the token's fault (401), not the key source's (503). */
const TOKEN_KEY_ERRORS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
]);

/** Observability hooks of a remote key source. */
export interface JwksStats {
  /** Fetch attempts made (successful or not). */
  fetches: number;
}

/**
 * Builds the key input of `jwtVerify` for a JWT verifier's key source:
 *
 * - `secret`: the HMAC key bytes (algorithms are restricted to HS* by option validation, and a
 *   secret never coexists with an asymmetric key, so RS/HS confusion cannot happen);
 * - `publicKeys`: one key is used whatever the token's `kid`; with several, a token's `kid`
 *   selects a JWK that has it, and keys without `kid` (PEM) are candidates for any other token;
 * - `jwksUri`: jose's remote JWKS (cache, cooldown, timeout, coalesced fetches) with a fetch
 *   that caps the response size and refuses key sets holding private keys or malformed keys,
 *   and a stale-if-error fallback to the last good key set (for one hour) when the endpoint is
 *   down or answers garbage; after a failed refresh the next attempt waits one cooldown.
 *
 * Key-source failures are rethrown as {@link VerifierUnavailableError} so the token gets a 503
 * and the client keeps it; selection failures (`kid` unknown, ambiguous) stay jose errors.
 */
export function createJwtKeyResolver(
  options: JwtVerifierOptions,
  stats: JwksStats = { fetches: 0 },
): JwtVerificationKey {
  if (options.secret !== undefined) return new TextEncoder().encode(options.secret);
  if (options.publicKeys !== undefined) return staticKeys(options.publicKeys);
  if (options.discovery) return discoveredKeys(options.issuer as string, options.jwks ?? {}, stats);
  return remoteKeys(new URL(options.jwksUri as string), options.jwks ?? {}, stats);
}

/**
 * The issuer's JWKS found through its metadata on first use. A failed discovery answers 503 and
 * is retried at most once per cooldown, so an identity-provider outage is not amplified.
 */
function discoveredKeys(
  issuer: string,
  fetchOptions: NonNullable<JwtVerifierOptions['jwks']>,
  stats: JwksStats,
): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  let failedAt = 0;
  const cooldownMs = fetchOptions.cooldownMs ?? 30_000;
  const discover = () =>
    discoverAuthorizationServerMetadata(issuer, { timeoutMs: fetchOptions.timeoutMs }).then(({ metadata }) => {
      if (typeof metadata.jwks_uri !== 'string') throw new Error(`the metadata of ${issuer} has no jwks_uri`);
      return remoteKeys(new URL(metadata.jwks_uri), fetchOptions, stats);
    });
  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    if (keys === undefined || (failedAt > 0 && Date.now() - failedAt >= cooldownMs)) {
      failedAt = 0;
      keys = discover().catch((error: unknown) => {
        failedAt = Date.now();
        throw new VerifierUnavailableError('The token issuer metadata cannot be loaded right now', { cause: error });
      });
    }
    return (await keys)(header, token);
  };
}

/**
 * Static keys. One key without `kid` is used whatever the token's `kid`. Otherwise a token whose
 * `kid` names a configured key gets that key; any other token is matched against the keys that
 * have no `kid` (PEM keys never do), several candidates being tried in turn by the strategy.
 *
 * Fix: PEM keys carry no `kid`, so with several of them (the documented rotation setup) jose's
 * selection by `kid` matched none and every token was refused.
 */
function staticKeys(keys: ReadonlyArray<string | JWK>): JwtVerificationKey {
  const jwks = keys.map(toPublicJwk);
  if (jwks.length === 1 && jwks[0].kid === undefined) return jwks[0];
  const byKid = createLocalJWKSet({ keys: jwks });
  const kids = new Set(jwks.map((jwk) => jwk.kid));
  const anonymous = jwks.filter((jwk) => jwk.kid === undefined);
  if (anonymous.length === 0) return byKid;
  const withoutKid = createLocalJWKSet({ keys: anonymous });
  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) =>
    typeof header.kid === 'string' && kids.has(header.kid)
      ? byKid(header, token)
      : withoutKid({ ...header, kid: undefined }, token);
}

/** PEM (SPKI, PKCS#1 or certificate) or JWK → public JWK, refusing private key material. */
export function toPublicJwk(key: string | JWK): JWK {
  if (typeof key !== 'string') {
    if (PRIVATE_MEMBERS.some((member) => member in key)) {
      throw new TypeError('a verification key must be public');
    }
    return key;
  }
  // Fix: createPublicKey() silently derives the public half of a private PEM, so private key
  // material was accepted (and kept in memory) despite this function's contract.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new TypeError('a verification key must be public');
  const keyObject = key.includes('BEGIN CERTIFICATE') ? new X509Certificate(key).publicKey : createPublicKey(key);
  return keyObject.export({ format: 'jwk' }) as JWK;
}

function remoteKeys(
  url: URL,
  fetchOptions: NonNullable<JwtVerifierOptions['jwks']>,
  stats: JwksStats,
): JWTVerifyGetKey {
  const maxBytes = fetchOptions.maxResponseBytes ?? 256 * 1024;
  const cache: ExportedJWKSCache = {} as ExportedJWKSCache;
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: fetchOptions.timeoutMs ?? 5000,
    cooldownDuration: fetchOptions.cooldownMs ?? 30_000,
    cacheMaxAge: fetchOptions.cacheMaxAgeMs ?? 600_000,
    [jwksCache]: cache,
    [customFetch]: async (input: string, init: RequestInit) => {
      stats.fetches += 1;
      return checkedJwksResponse(await fetch(input, init), maxBytes);
    },
  });
  const staleIfErrorMs = 60 * 60 * 1000;
  const retryAfterFailureMs = fetchOptions.cooldownMs ?? 30_000;
  let failedAt = Number.NEGATIVE_INFINITY;
  let staleSet: { uat: number; keys: JWTVerifyGetKey } | undefined;
  /** The last good key set while it is less than `staleIfErrorMs` old. */
  const stale = (): JWTVerifyGetKey | undefined => {
    if (!cache.jwks || !(Date.now() - cache.uat < staleIfErrorMs)) return undefined;
    if (staleSet?.uat !== cache.uat) staleSet = { uat: cache.uat, keys: createLocalJWKSet(cache.jwks) };
    return staleSet.keys;
  };

  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    // Fix: after a failed refresh every request used to wait for a new fetch (up to the
    // timeout) before falling back to the stale set, so a hanging JWKS endpoint added seconds
    // to each request. Now the stale set is served directly for one cooldown period.
    const fallback = Date.now() - failedAt < retryAfterFailureMs ? stale() : undefined;
    if (fallback) return fallback(header, token);
    try {
      const key = await remote(header, token);
      failedAt = Number.NEGATIVE_INFINITY;
      return key;
    } catch (error) {
      if (error instanceof errors.JOSEError && TOKEN_KEY_ERRORS.has(error.code)) throw error;
      failedAt = Date.now();
      // The key set could not be (re)loaded. Keep serving the last good set for a while, so an
      // outage of the identity provider's JWKS endpoint does not log every user out.
      const last = stale();
      if (last) return last(header, token);
      throw new VerifierUnavailableError('The token signing keys cannot be loaded right now', { cause: error });
    }
  };
}

/**
 * Reads a JWKS response with a size cap (the declared length is not trusted) and refuses sets
 * that contain private or symmetric key material (security catalog F-04).
 */
async function checkedJwksResponse(response: Response, maxBytes: number): Promise<Response> {
  if (response.status !== 200) {
    // jose only needs the status to refuse it; do not leave the unread body on the socket.
    await response.body?.cancel();
    return new Response(null, { status: response.status });
  }
  const body = await readCapped(response, maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return new Response(body, { status: 200 });
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (Array.isArray(keys) && keys.some((k) => k && typeof k === 'object' && PRIVATE_MEMBERS.some((m) => m in k))) {
    throw new Error('the JWKS contains private or symmetric key material');
  }
  // Fix (security catalog F-04): jose takes a set such as {"keys":[{"kty":"RSA"}]} as a valid
  // update, so a broken answer replaced the last good set and every token got a 401. A key of a
  // known type without its public parameters now makes the whole answer invalid, like a non-200.
  if (Array.isArray(keys) && keys.some(isMalformedPublicKey)) throw new Error('the JWKS contains a malformed key');
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/** Public parameters each key type needs (RFC 7518 §6, RFC 8037 §2); other types are left to jose. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

function isMalformedPublicKey(key: unknown): boolean {
  if (key === null || typeof key !== 'object') return false; // jose refuses the whole set itself
  const { kty } = key as { kty?: unknown };
  if (typeof kty !== 'string') return true;
  const required = PUBLIC_MEMBERS[kty] ?? [];
  return required.some(
    (m) => typeof (key as Record<string, unknown>)[m] !== 'string' || (key as Record<string, string>)[m] === '',
  );
}

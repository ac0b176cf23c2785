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
import { VerifierUnavailableError } from '../../core/errors/token.errors.js';
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
 * - `publicKeys`: one key is used whatever the token's `kid`; several form a local JWKS in
 *   which tokens select their key by `kid`;
 * - `jwksUri`: jose's remote JWKS (cache, cooldown, timeout, coalesced fetches) with a fetch
 *   that caps the response size and refuses key sets holding private keys, and a stale-if-error
 *   fallback to the last good key set when the endpoint is down.
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
  return remoteKeys(new URL(options.jwksUri as string), options.jwks ?? {}, stats);
}

function staticKeys(keys: ReadonlyArray<string | JWK>): JwtVerificationKey {
  const jwks = keys.map(toPublicJwk);
  if (jwks.length === 1 && jwks[0].kid === undefined) return jwks[0];
  return createLocalJWKSet({ keys: jwks });
}

/** PEM (SPKI, PKCS#1 or certificate) or JWK → public JWK, refusing private key material. */
export function toPublicJwk(key: string | JWK): JWK {
  if (typeof key !== 'string') {
    if (PRIVATE_MEMBERS.some((member) => member in key)) {
      throw new TypeError('a verification key must be public');
    }
    return key;
  }
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

  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && TOKEN_KEY_ERRORS.has(error.code)) throw error;
      // The key set could not be (re)loaded. Keep serving the last good set for a while, so an
      // outage of the identity provider's JWKS endpoint does not log every user out.
      if (cache.jwks && Date.now() - cache.uat < staleIfErrorMs) {
        return createLocalJWKSet(cache.jwks)(header, token);
      }
      throw new VerifierUnavailableError('The token signing keys cannot be loaded right now', { cause: error });
    }
  };
}

/**
 * Reads a JWKS response with a size cap (the declared length is not trusted) and refuses sets
 * that contain private or symmetric key material (security catalog F-04).
 */
async function checkedJwksResponse(response: Response, maxBytes: number): Promise<Response> {
  if (response.status !== 200) return response;
  const body = await readCapped(response, maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return new Response(body, { status: 200 });
  }
  const keys = (json as { keys?: unknown }).keys;
  if (Array.isArray(keys) && keys.some((k) => k && typeof k === 'object' && PRIVATE_MEMBERS.some((m) => m in k))) {
    throw new Error('the JWKS contains private or symmetric key material');
  }
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new Error(`the JWKS response exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

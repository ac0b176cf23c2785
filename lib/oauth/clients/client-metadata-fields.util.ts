import { isScopeToken } from '../../core/options/validators.js';
import { CLIENT_METADATA_LIMITS } from './client-registration.dto.js';

/**
 * Helpers for individual client metadata members (RFC 7591 §2): informational URIs, JWK Sets
 * and scopes. Pure functions.
 */

/**
 * Whether a value is an absolute `https` URL without user information or fragment, in printable
 * ASCII: the only form in which `client_uri`, `logo_uri`, `policy_uri`, `tos_uri` and `jwks_uri`
 * are kept (security catalog D-12). The server never fetches the first four; the consent page
 * may show them as links.
 */
export function isHttpsMetadataUrl(value: string): boolean {
  if (value.length > CLIENT_METADATA_LIMITS.uriLength || !/^[\x21-\x7e]+$/.test(value) || value.includes('#')) {
    return false;
  }
  if (!value.startsWith('https://') || value.includes('\\')) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
  } catch {
    return false;
  }
}

/** JWK members that only private or symmetric keys have (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Checks a JWK Set given as client metadata: `{ "keys": [ ... ] }` with 1 to 10 public keys
 * (asymmetric `kty`, no private members). A client must never send private key material: the
 * server refuses the whole registration rather than store it.
 *
 * @returns a reason, or `undefined` when the set is acceptable.
 */
export function publicJwksProblem(jwks: Record<string, unknown>): string | undefined {
  const keys = Object.hasOwn(jwks, 'keys') ? jwks['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > CLIENT_METADATA_LIMITS.jwksKeys) {
    return `must be a JWK Set with 1 to ${CLIENT_METADATA_LIMITS.jwksKeys} keys`;
  }
  for (const key of keys) {
    if (key === null || typeof key !== 'object' || Array.isArray(key)) return 'must contain JWK objects';
    const kty = Object.hasOwn(key, 'kty') ? (key as Record<string, unknown>)['kty'] : undefined;
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return 'must contain RSA, EC or OKP public keys';
    if (PRIVATE_JWK_MEMBERS.some((member) => Object.hasOwn(key, member))) {
      return 'must contain public keys only (private key material found)';
    }
  }
  return undefined;
}

/** A copy of a JWK Set holding only plain JSON data (no prototype tricks survive). */
export function copyJwks(jwks: Record<string, unknown>): { keys: Record<string, unknown>[] } {
  return JSON.parse(JSON.stringify({ keys: jwks['keys'] })) as { keys: Record<string, unknown>[] };
}

/**
 * Filters a registered `scope` value to the server's scopes (security catalog D-14): unknown
 * scopes are dropped, duplicates removed, the order kept. With no server scope list every
 * syntactically valid scope is kept.
 *
 * @returns the filtered value (`undefined` when nothing is left), or `{ error }` when the value
 *   contains characters outside the RFC 6749 §3.3 scope syntax.
 */
export function filterScope(
  scope: string,
  scopesSupported: readonly string[] | undefined,
): string | undefined | { readonly error: string } {
  const tokens = scope.split(' ').filter((token) => token !== '');
  if (!tokens.every(isScopeToken)) return { error: 'contains characters outside the RFC 6749 scope syntax' };
  const allowed = scopesSupported === undefined ? undefined : new Set(scopesSupported);
  const kept = [...new Set(tokens)].filter((token) => allowed === undefined || allowed.has(token));
  return kept.length === 0 ? undefined : kept.join(' ');
}

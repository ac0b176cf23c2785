import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1/§4.2: 43–128 characters of the unreserved set. */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Whether a `code_challenge` or `code_verifier` has the RFC 7636 shape. */
export function isPkceValue(value: unknown): value is string {
  return typeof value === 'string' && PKCE_VALUE.test(value);
}

/** The S256 challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Checks a `code_verifier` against the S256 `code_challenge` stored with the code, in constant
 * time. Only S256 exists here: `plain` is refused at the authorization endpoint (MCP requires
 * S256), so a verifier equal to its challenge can never pass (TK-08 downgrade).
 */
export function verifyPkce(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(s256Challenge(verifier));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

import { timingSafeEqual } from 'node:crypto';
import { generateSecret, secretKey } from '../../storage/secret-key.js';

/**
 * Identifiers and secrets of dynamically registered clients.
 *
 * - `client_id`: 16 random bytes (128 bits), base64url (22 characters of `A-Z a-z 0-9 - _`); it
 *   can never look like a URL, so it never collides with a client ID metadata document URL.
 * - `client_secret`: 32 random bytes (256 bits), base64url (43 characters; security catalog
 *   D-11, OAuch `ClientSecretEntropyMinReqTest`). Returned once; only its SHA-256 is stored.
 */

/** The shape of a generated `client_id`. */
export const GENERATED_CLIENT_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new random `client_id` (128 bits). */
export function generateClientId(): string {
  return generateSecret(16);
}

/** A new random `client_secret` (256 bits). */
export function generateClientSecret(): string {
  return generateSecret(32);
}

/**
 * The stored form of a client secret: base64url(SHA-256(secret)), as {@link secretKey}. Safe
 * unsalted because generated secrets carry 256 bits; secrets of static clients must be long
 * random strings too (the options enforce ≥ 32 characters).
 */
export function hashClientSecret(secret: string): string {
  return secretKey(secret);
}

/**
 * Whether a presented secret matches a stored hash. Both sides are hashed to fixed-length
 * digests and compared with `timingSafeEqual`, so the time taken reveals nothing about the
 * secret or how much of it matched (security catalog TK-15).
 */
export function clientSecretMatches(presented: string, storedHash: string): boolean {
  if (presented.length === 0) return false;
  const actual = Buffer.from(hashClientSecret(presented), 'utf8');
  const expected = Buffer.from(storedHash, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

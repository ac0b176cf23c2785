import { createHash, randomBytes } from 'node:crypto';

/**
 * The storage key of a secret: base64url(SHA-256(secret)), 43 characters. Codes, refresh
 * tokens and other bearer secrets are stored and looked up only under this hash, so a dump of
 * the store yields nothing that can be presented to the server (security catalog S-01, R-11).
 *
 * An unsalted hash is safe here because every secret the library issues carries at least 256
 * bits of randomness ({@link generateSecret}); never use it for low-entropy values such as
 * passwords.
 *
 * @throws TypeError when `secret` is not a non-empty string.
 * @publicApi
 */
export function secretKey(secret: string): string {
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('secretKey: secret must be a non-empty string');
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * A new random bearer secret (authorization code, refresh token, state): `bytes` random bytes,
 * base64url-encoded (32 bytes → 43 characters, 256 bits).
 *
 * @publicApi
 */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('generateSecret: bytes must be an integer >= 16');
  return randomBytes(bytes).toString('base64url');
}

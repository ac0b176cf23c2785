import { randomBytes } from 'node:crypto';

/** Random bytes in a `jti`: 128 bits (security catalog AS-04). */
const JTI_BYTES = 16;

/**
 * A new JWT ID (`jti`, RFC 7519 §4.1.7) for an access token: 128 random bits from the CSPRNG,
 * base64url-encoded (22 characters). Unique with overwhelming probability across instances,
 * with no coordination, so it can key revocation and replay records.
 *
 * @publicApi
 */
export function newJti(): string {
  return randomBytes(JTI_BYTES).toString('base64url');
}

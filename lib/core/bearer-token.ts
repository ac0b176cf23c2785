import { InvalidTokenError, MissingTokenError } from './errors/token.errors.js';

/**
 * Longest bearer token accepted. Longer values are refused before any decoding, so an
 * oversized header costs nothing (security catalog V-33).
 */
export const MAX_BEARER_TOKEN_LENGTH = 8192;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Extracts the access token from an `Authorization` header value, the only place MCP allows it
 * (tokens in the query string, the body or cookies are ignored).
 *
 * - no header, or another scheme (`Basic`, `DPoP`, a bare token): {@link MissingTokenError}
 *   (401 without an error code, RFC 6750 §3.1);
 * - `Bearer` with an empty, oversized or non-b64token value (`Bearer`, `Bearer a b`):
 *   {@link InvalidTokenError} (policy P-14: 401 `invalid_token`, never 400, so MCP clients
 *   recover by re-authorizing).
 *
 * The scheme is matched case-insensitively (RFC 9110 §11.1) and may be followed by one or more
 * spaces (RFC 6750 `1*SP`).
 */
export function extractBearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') throw new MissingTokenError();
  const match = /^bearer(?: +|$)/i.exec(value);
  if (!match) throw new MissingTokenError();
  const token = value.slice(match[0].length);
  if (token.length === 0) throw new InvalidTokenError('The Authorization header has no token', 'malformed');
  if (token.length > MAX_BEARER_TOKEN_LENGTH) {
    throw new InvalidTokenError('The access token is too large', 'too_large');
  }
  if (!B64TOKEN.test(token)) {
    throw new InvalidTokenError('The Authorization header is malformed', 'malformed');
  }
  return token;
}

import type { OAuthClient } from './oauth-client.js';
import { MAX_REDIRECT_URI_LENGTH, parseLoopbackRedirectUri } from './redirect-uri-validation.util.js';

/**
 * Matches the `redirect_uri` of an authorization (or token) request against a client's registered
 * redirect URIs (RFC 6749 §3.1.2.3, OAuth 2.1 §2.3.1, RFC 9700 §2.1):
 * - exact string comparison, byte for byte: no case folding, no percent-decoding, no default
 *   port or trailing-slash normalisation (security catalog );
 * - except for `http` loopback URIs (`127.0.0.1`, `[::1]`, `localhost`), where only the port may
 *   differ, in either direction, including an absent port (RFC 8252 §7.3; policy P-6; interop
 *   pitfall P14). Scheme, host, path and query still match exactly, and `localhost` never
 *   matches `127.0.0.1` or `[::1]`.
 *
 * Callers must pass the single decoded query value: a repeated parameter or an array/object
 * from an extended query parser is not a string and never matches.
 *
 * @returns the registered URI that matched, or `undefined`. Redirect to the *requested* URI
 *   (it carries the port the client listens on).
 */
export function matchRedirectUri(client: Pick<OAuthClient, 'redirectUris'>, requested: unknown): string | undefined {
  if (typeof requested !== 'string' || requested.length === 0 || requested.length > MAX_REDIRECT_URI_LENGTH) {
    return undefined;
  }
  const exact = client.redirectUris.find((registered) => registered === requested);
  if (exact !== undefined) return exact;

  const asked = parseLoopbackRedirectUri(requested);
  if (asked === undefined) return undefined;
  return client.redirectUris.find((registered) => {
    const known = parseLoopbackRedirectUri(registered);
    return known !== undefined && known.host === asked.host && known.rest === asked.rest;
  });
}

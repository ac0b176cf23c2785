import { isIP } from 'node:net';

/** Longest accepted client id URL, in characters. */
export const MAX_CLIENT_ID_URL_LENGTH = 2048;

/**
 * Whether a `client_id` is URL-shaped, i.e. meant as a client ID metadata document URL (it
 * starts with `https:` or `http:`, in any case, possibly after whitespace). Such ids are never looked up
 * as dynamic or static clients; they are fetched when CIMD is enabled and refused otherwise
 * (security catalog D-22).
 */
export function isUrlShapedClientId(clientId: string): boolean {
  // oxlint-disable-next-line no-control-regex -- leading control characters must not hide the scheme
  return /^[\s\u0000-\u001f]*https?:/i.test(clientId);
}

/** A client id URL that passed {@link checkClientIdUrl}. */
export interface ClientIdUrl {
  readonly url: URL;
  /** The host name, lower case (punycode). */
  readonly hostname: string;
  /** The TCP port. */
  readonly port: number;
}

/**
 * Checks a client id URL before any network activity (CIMD draft §3, MCP "Client ID Metadata
 * Documents", security catalog D-23):
 * - `https` scheme, a host name (not an IP literal, not `localhost` or `*.localhost`, at least
 *   two labels), no user information, no fragment, a path other than `/`, no dot-segments
 *   (also percent-encoded); a query is allowed;
 * - the string is exactly what the WHATWG URL parser makes of it: no surrounding or embedded
 *   whitespace, no backslashes, lower-case scheme and host, no default port (`:443`), so the
 *   byte-for-byte comparison with the document's `client_id` is meaningful.
 *
 * @returns the parsed URL, or a reason.
 */
export function checkClientIdUrl(clientId: string): ClientIdUrl | { readonly reason: string } {
  if (clientId.length > MAX_CLIENT_ID_URL_LENGTH) return { reason: 'is too long' };
  if (/[^\x21-\x7e]/.test(clientId)) return { reason: 'must not contain whitespace, control or non-ASCII characters' };
  if (clientId.includes('\\')) return { reason: 'must not contain a backslash' };
  if (clientId.includes('#')) return { reason: 'must not contain a fragment' };
  if (!clientId.startsWith('https://')) return { reason: 'must be an https URL' };
  const authority = /^https:\/\/([^/?]*)/.exec(clientId)![1]!;
  if (authority.includes('@')) return { reason: 'must not contain user information' };
  const path = /^https:\/\/[^/?]*([^?]*)/.exec(clientId)![1]!;
  for (const segment of path.split('/')) {
    const decoded = segment.replace(/%2e/gi, '.');
    if (decoded === '.' || decoded === '..') return { reason: 'must not contain dot-segments' };
  }
  if (/%(2f|5c)/i.test(path)) return { reason: 'must not contain percent-encoded slashes' };
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return { reason: 'is not a valid URL' };
  }
  if (url.href !== clientId) return { reason: 'must be in canonical form (lower-case host, no default port)' };
  if (url.pathname === '/' || url.pathname === '') return { reason: 'must have a path' };
  const hostname = url.hostname;
  if (hostname.startsWith('[') || isIP(hostname) !== 0) return { reason: 'must use a host name, not an IP address' };
  if (!hostname.includes('.') || hostname.endsWith('.')) return { reason: 'must use a fully qualified host name' };
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return { reason: 'must not use localhost' };
  return { url, hostname, port: url.port === '' ? 443 : Number(url.port) };
}

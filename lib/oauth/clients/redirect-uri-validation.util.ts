/**
 * Redirect URI rules applied when a client is registered (dynamic registration, a client ID
 * metadata document, or a static client from configuration). Pure functions: no I/O, no state.
 *
 * A registered redirect URI must be an exact, absolute, ASCII URI in canonical form, so that the
 * exact string match at the authorization endpoint ({@link matchRedirectUri}) has one meaning:
 * - no fragment, no wildcard, no user information (also `%40`, `%25@` and backslash tricks), no
 *   dot-segments (also percent-encoded), no whitespace or control characters (security catalog
 *   D-01 … D-04, RFC 6749 §3.1.2, RFC 9700 §2.1);
 * - never one of {@link FORBIDDEN_REDIRECT_SCHEMES}, detected case-insensitively after removing
 *   whitespace and control characters (D-01);
 * - `https` for web redirects; `http` only for the loopback hosts `127.0.0.1`, `[::1]` and — unless
 *   `allowLocalhost` is off — `localhost` (RFC 8252 §7.3, RFC 9700 §2.6, policy P-6, D-02);
 * - private-use schemes (`cursor://anysphere.cursor-mcp/oauth/callback`,
 *   `com.example.app:/callback`) for native clients (RFC 8252 §7.1, interop pitfall P13).
 *
 * Internationalised host names must be written in punycode: RFC 7591 redirect URIs are URIs
 * (RFC 3986, ASCII), and a punycode host is what the consent page shows (D-21).
 */

/** Longest accepted redirect URI, in characters (security catalog D-08). */
export const MAX_REDIRECT_URI_LENGTH = 2048;

/**
 * Schemes a redirect URI may never use, whatever the client type. `javascript`, `data`,
 * `vbscript`, `file`, `blob` and `about` come from the security catalog (D-01) and node-oidc's
 * `FORBIDDEN_SCHEMES`; the others are browser-internal or not redirect targets.
 */
export const FORBIDDEN_REDIRECT_SCHEMES: readonly string[] = [
  'javascript',
  'data',
  'vbscript',
  'file',
  'blob',
  'about',
  'filesystem',
  'view-source',
  'ws',
  'wss',
  'ftp',
];

/** The loopback host names of RFC 8252 §7.3 (plus `localhost`, policy P-6), as URL hosts. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '[::1]', 'localhost'];

/**
 * What a valid redirect URI is:
 * - `https`: an `https` URI (web clients, or a hosted callback such as Claude's);
 * - `loopback`: `http` on a loopback host, whose port may vary at authorization time;
 * - `private-use`: a private-use (custom) scheme of a native application.
 */
export type RedirectUriKind = 'https' | 'loopback' | 'private-use';

/** Registration-time options of the redirect URI rules. */
export interface RedirectUriRules {
  /**
   * Accept `http://localhost[:port]/…` besides `127.0.0.1` and `[::1]` (policy P-6). It is never
   * treated as equal to either IP literal.
   */
  readonly allowLocalhost: boolean;
}

/** Outcome of {@link checkRedirectUri}: the kind of a valid URI, or why it is refused. */
export type RedirectUriCheck =
  { readonly ok: true; readonly kind: RedirectUriKind } | { readonly ok: false; readonly reason: string };

/** Whitespace, control and invisible formatting characters, removed to probe for a scheme (D-01). */
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u0020\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/;
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file']);

const refuse = (reason: string): RedirectUriCheck => ({ ok: false, reason });

/**
 * Checks one redirect URI against the registration rules (the module doc above). The URI is
 * taken as given: nothing is trimmed, decoded or normalised, and the result applies to exactly
 * this string.
 *
 * @param value the raw value from the request (anything: type confusion is refused too, D-05).
 * @returns the kind of URI, or a reason suitable for an `error_description`.
 */
export function checkRedirectUri(value: unknown, rules: RedirectUriRules): RedirectUriCheck {
  if (typeof value !== 'string') return refuse('must be a string');
  if (value.length === 0) return refuse('must not be empty');
  if (value.length > MAX_REDIRECT_URI_LENGTH) return refuse(`must be at most ${MAX_REDIRECT_URI_LENGTH} characters`);

  const probed = SCHEME.exec(value.replace(INVISIBLE, '').toLowerCase())?.[1];
  if (probed !== undefined && FORBIDDEN_REDIRECT_SCHEMES.includes(probed)) {
    return refuse(`must not use the ${probed}: scheme`);
  }
  // oxlint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(value)) return refuse('must not contain whitespace or control characters');
  if (/[^\x21-\x7e]/.test(value)) {
    return refuse('must contain only ASCII characters (write international domain names in punycode)');
  }
  if (value.includes('\\')) return refuse('must not contain a backslash');
  if (value.includes('#')) return refuse('must not contain a fragment');
  if (value.includes('*')) return refuse('must be an exact URI: wildcards are not allowed');

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1];
  if (scheme === undefined) return refuse('must be an absolute URI with a scheme');
  const lowerScheme = scheme.toLowerCase();
  if (scheme !== lowerScheme) return refuse('must have a lower-case scheme');

  if (lowerScheme === 'http' || lowerScheme === 'https') return checkWebUri(value, lowerScheme, rules);
  if (SPECIAL_SCHEMES.has(lowerScheme)) return refuse(`must not use the ${lowerScheme}: scheme`);
  return checkPrivateUseUri(value, lowerScheme);
}

function checkWebUri(value: string, scheme: 'http' | 'https', rules: RedirectUriRules): RedirectUriCheck {
  const parts = /^https?:\/\/([^/?]*)([^?]*)/.exec(value);
  if (parts === null) return refuse(`must start with ${scheme}://`);
  const [, authority, path] = parts as unknown as [string, string, string];
  if (authority.includes('@')) return refuse('must not contain user information');
  if (authority.includes('%')) return refuse('must not percent-encode its host');
  if (authority === '' || authority.startsWith(':')) return refuse('must have a host');
  const pathProblem = checkPath(path);
  if (pathProblem !== undefined) return refuse(pathProblem);

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('is not a valid URI');
  }
  if (url.username !== '' || url.password !== '') return refuse('must not contain user information');
  if (!isCanonical(value, url)) {
    return refuse('must be in canonical form (lower-case host, no default port, no dot-segments)');
  }
  const loopback = LOOPBACK_HOSTS.includes(url.hostname);
  if (scheme === 'http') {
    if (!loopback) return refuse('may use http only on a loopback host (127.0.0.1, [::1] or localhost); use https');
    if (url.hostname === 'localhost' && !rules.allowLocalhost) {
      return refuse('must not use localhost: use 127.0.0.1 or [::1] (RFC 8252 section 8.3)');
    }
    return { ok: true, kind: 'loopback' };
  }
  return { ok: true, kind: 'https' };
}

function checkPrivateUseUri(value: string, scheme: string): RedirectUriCheck {
  const rest = value.slice(scheme.length + 1);
  if (!rest.startsWith('/'))
    return refuse('with a private-use scheme must have the form scheme:/path or scheme://host/path');
  const authority = rest.startsWith('//') ? /^\/\/([^/?]*)/.exec(rest)![1]! : '';
  if (authority.includes('@')) return refuse('must not contain user information');
  const path = rest.slice(rest.startsWith('//') ? authority.length + 2 : 0).split('?')[0]!;
  const pathProblem = checkPath(path);
  if (pathProblem !== undefined) return refuse(pathProblem);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('is not a valid URI');
  }
  if (url.username !== '' || url.password !== '') return refuse('must not contain user information');
  if (url.href !== value) return refuse('must be in canonical form');
  return { ok: true, kind: 'private-use' };
}

/** Dot-segments (plain or percent-encoded) and encoded slashes, NUL or backslashes in a path. */
function checkPath(path: string): string | undefined {
  if (/%(2f|5c|00)/i.test(path)) return 'must not contain percent-encoded slashes, backslashes or NUL';
  for (const segment of path.split('/')) {
    const decoded = segment.replace(/%2e/gi, '.');
    if (decoded === '.' || decoded === '..') return 'must not contain dot-segments (. or ..)';
  }
  return undefined;
}

/**
 * Whether the string is exactly what the WHATWG URL parser makes of it (what a browser will
 * navigate to), allowing only an omitted empty path (`https://app.example` for `…example/`).
 */
function isCanonical(value: string, url: URL): boolean {
  if (url.href === value) return true;
  if (url.pathname !== '/') return false;
  const origin = `${url.protocol}//${url.host}`;
  return value === `${origin}${url.search}` && url.href === `${origin}/${url.search}`;
}

/**
 * Whether a (valid, registered) redirect URI is an `http` loopback URI, whose port may differ at
 * authorization time (RFC 8252 §7.3).
 */
export function isLoopbackRedirectUri(uri: string): boolean {
  return parseLoopbackRedirectUri(uri) !== undefined;
}

/** The parts of an `http` loopback redirect URI, compared byte for byte when matching. */
export interface LoopbackRedirectUri {
  /** `127.0.0.1`, `[::1]` or `localhost`, exactly as written. */
  readonly host: string;
  /** The port as written, or `undefined` when none is. */
  readonly port: string | undefined;
  /** Everything after host and port: path and query, exactly as written. */
  readonly rest: string;
}

const LOOPBACK_URI = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(?::(0|[1-9][0-9]{0,4}))?([/?][^]*)?$/;

/**
 * Splits an `http` loopback redirect URI into host, port and the rest, by a strict grammar over
 * the raw string (lower-case `http://`, one of the three loopback hosts exactly, a decimal port
 * without leading zeros, then `/`, `?` or nothing). `undefined` for any other string.
 */
export function parseLoopbackRedirectUri(uri: string): LoopbackRedirectUri | undefined {
  const match = LOOPBACK_URI.exec(uri);
  if (match === null) return undefined;
  const [, host, port, rest = ''] = match as unknown as [string, string, string | undefined, string | undefined];
  if (port !== undefined && Number(port) > 65_535) return undefined;
  return { host, port, rest };
}

/**
 * The host a consent page must show for a redirect URI (MCP security considerations: "clearly
 * display the redirect URI hostname"): the punycode host name for `http(s)`, the scheme (and
 * host, if any) for private-use URIs.
 */
export function redirectUriDisplayHost(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.hostname;
    return url.host === '' ? url.protocol : `${url.protocol}//${url.host}`;
  } catch {
    return uri.slice(0, 64);
  }
}

/**
 * Whether every redirect URI of a client is a loopback one: anyone can run a loopback listener,
 * so the consent page should warn that the client's identity is unverified (CIMD "Localhost
 * Redirect URI Risks", security catalog D-27).
 */
export function hasOnlyLoopbackRedirectUris(redirectUris: readonly string[]): boolean {
  return redirectUris.length > 0 && redirectUris.every(isLoopbackRedirectUri);
}

import { FORBIDDEN_REDIRECT_SCHEMES, LOOPBACK_HOSTS } from './redirect-uri-validation.util.js';

/**
 * A compiled allow-list entry for registered redirect URIs (`allowedRedirectUris` option).
 *
 * Syntax — a URI template where only these wildcards are special:
 * ```
 * scheme://host[:port][/path][?query]        or, for private-use schemes,  scheme:/path[?query]
 * ```
 * - `scheme`: literal, case-insensitive, no wildcard.
 * - `host`: literal (case-insensitive), or `*.` followed by a literal suffix, where `*` stands for
 *   exactly one DNS label (`https://*.example.com/cb` matches `https://a.example.com/cb`, not
 *   `https://a.b.example.com/cb` nor `https://example.com/cb`). No other wildcard in a host.
 * - `port`: digits, or `*` for any port; absent means the URI must not name a port. For `http`
 *   loopback hosts (`127.0.0.1`, `[::1]`, `localhost`) the port is always ignored, as it is when
 *   matching at the authorization endpoint (RFC 8252 §7.3).
 * - `path`: literal, where `*` matches any characters inside one segment (not `/`) and `**` any
 *   characters across segments (`https://app.example/oauth/**`).
 * - `query`: absent means the URI must have no query; otherwise literal, where `*` matches any
 *   characters (`?tenant=*`).
 * - No user information, no fragment, no whitespace.
 *
 * Patterns restrict registration only: a URI must first pass every registration rule
 * ({@link checkRedirectUri}), then match at least one pattern. At the authorization endpoint the
 * exact registered string is matched as usual.
 *
 * @example ['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback',
 *   'http://127.0.0.1/**', 'http://localhost/**', 'cursor://anysphere.cursor-mcp/**']
 */
export interface RedirectUriPattern {
  /** The pattern as configured. */
  readonly source: string;
  /** Whether a (valid, canonical) redirect URI matches. */
  test(uri: string): boolean;
}

const PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?$/;

/**
 * Compiles one allow-list pattern (syntax on {@link RedirectUriPattern}).
 * @throws TypeError naming what is wrong with the pattern.
 */
export function compileRedirectUriPattern(source: string): RedirectUriPattern {
  if (typeof source !== 'string' || source.length === 0 || source.length > 2048) {
    throw new TypeError('must be a string of 1 to 2048 characters');
  }
  if (/[^\x21-\x7e]/.test(source)) throw new TypeError('must contain only printable ASCII characters, no spaces');
  if (source.includes('#')) throw new TypeError('must not contain a fragment');
  if (source.includes('\\')) throw new TypeError('must not contain a backslash');
  const match = PATTERN.exec(source);
  if (match === null) throw new TypeError('must have the form scheme://host[:port]/path or scheme:/path');
  const [, rawScheme, authority, path = '', query] = match as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
    string | undefined,
  ];
  const scheme = rawScheme.toLowerCase();
  if (FORBIDDEN_REDIRECT_SCHEMES.includes(scheme)) throw new TypeError(`must not use the ${scheme}: scheme`);
  if ((scheme === 'http' || scheme === 'https') && authority === undefined) {
    throw new TypeError(`must start with ${scheme}://`);
  }
  if (path !== '' && !path.startsWith('/')) throw new TypeError('path must start with /');

  let regex = `^${escape(scheme)}:`;
  if (authority !== undefined) regex += `//${compileAuthority(authority, scheme)}`;
  regex += compilePath(path);
  if (query !== undefined) regex += `\\?${query.split('*').map(escape).join('[^#]*')}`;
  const compiled = new RegExp(`${regex}$`);
  return { source, test: (uri) => compiled.test(uri) };
}

function compileAuthority(authority: string, scheme: string): string {
  if (authority.includes('@')) throw new TypeError('must not contain user information');
  const port = /:(\*|[0-9]{1,5})$/.exec(authority);
  const host = (port === null ? authority : authority.slice(0, port.index)).toLowerCase();
  if (host === '') throw new TypeError('must have a host');
  let hostRegex: string;
  if (host.startsWith('*.') && host.length > 2 && !host.slice(2).includes('*')) {
    hostRegex = `[^./?#:@*]+\\.${escape(host.slice(2))}`;
  } else if (host.includes('*')) {
    throw new TypeError('host may use a wildcard only as its whole first label (*.example.com)');
  } else {
    hostRegex = escape(host);
  }
  if (host.includes(':') && !host.startsWith('[')) throw new TypeError('has an invalid port');
  let portRegex = '';
  if (scheme === 'http' && LOOPBACK_HOSTS.includes(host)) portRegex = '(?::[0-9]{1,5})?';
  else if (port?.[1] === '*') portRegex = '(?::[0-9]{1,5})?';
  else if (port !== null) portRegex = `:${port[1]}`;
  return hostRegex + portRegex;
}

function compilePath(path: string): string {
  return path
    .split('**')
    .map((part) => part.split('*').map(escape).join('[^/?#]*'))
    .join('[^?#]*');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Whether a redirect URI is acceptable under an allow-list: always when the list is `undefined`
 * (no restriction configured), otherwise when at least one pattern matches.
 */
export function isAllowedByPatterns(uri: string, patterns: readonly RedirectUriPattern[] | undefined): boolean {
  return patterns === undefined || patterns.some((pattern) => pattern.test(uri));
}

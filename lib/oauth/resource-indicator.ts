/**
 * RFC 8707 `resource` handling at the authorization and token endpoints.
 *
 * A request names at most one resource (MCP uses one), and it must be one of the resources this
 * server issues tokens for. Scheme and host are compared case-insensitively (the MCP spec asks
 * servers to accept upper-case scheme/host) and one trailing slash on a bare origin is ignored
 * (SDK clients append it to origins, interop pitfall P10); the token's `aud` is always the
 * canonical configured resource, never the client's spelling.
 *
 * @returns the canonical resource, or `undefined` when the parameter is absent.
 * @throws Error with a client-safe message when the value is not acceptable (→ `invalid_target`).
 */
export function resolveResourceIndicator(value: unknown, accepted: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new Error('Only one resource may be requested');
  if (typeof value !== 'string' || value === '') throw new Error('The resource parameter must be an absolute URI');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('The resource parameter must be an absolute URI');
  }
  if (value.includes('#')) throw new Error('The resource parameter must not contain a fragment');
  const canonical = canonicalResource(url);
  const match = accepted.find((resource) => canonicalResource(new URL(resource)) === canonical);
  if (match === undefined) throw new Error('This authorization server does not issue tokens for that resource');
  return match;
}

/** Lower-case scheme and host (URL does that), no default port, no trailing slash on a bare origin. */
function canonicalResource(url: URL): string {
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search}`;
}

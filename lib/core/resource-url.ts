/**
 * The RFC 9728 §3.1 well-known location of a protected resource's metadata: the well-known
 * suffix is inserted between the origin and the resource path. For `https://x.example/mcp` it
 * is `https://x.example/.well-known/oauth-protected-resource/mcp`; for a path-less resource it
 * is `https://x.example/.well-known/oauth-protected-resource`.
 */
export function protectedResourceMetadataUrl(resourceUrl: string): string {
  const url = new URL(resourceUrl);
  return `${url.origin}${protectedResourceMetadataPath(resourceUrl)}`;
}

/** Path part of {@link protectedResourceMetadataUrl}. */
export function protectedResourceMetadataPath(resourceUrl: string): string {
  const path = new URL(resourceUrl).pathname.replace(/\/+$/, '');
  return `/.well-known/oauth-protected-resource${path}`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when the URL's host is a loopback name or address. */
export function isLoopbackUrl(url: string | URL): boolean {
  const { hostname } = typeof url === 'string' ? new URL(url) : url;
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** An authorization server's RFC 8414 / OpenID Connect metadata, as fetched. */
export interface DiscoveredMetadata {
  /** The URL the document was read from. */
  readonly url: string;
  /** The raw JSON text (served as-is by the metadata mirror). */
  readonly text: string;
  readonly metadata: Record<string, unknown> & { issuer: string };
}

/** Discovery failed: no location answered a valid document for the issuer. */
export class MetadataDiscoveryError extends Error {
  constructor(
    message: string,
    /** Whether at least one location was unreachable (network, timeout, 5xx) rather than absent. */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'MetadataDiscoveryError';
  }
}

const MAX_METADATA_BYTES = 256 * 1024;

/**
 * Where MCP clients look for an issuer's metadata, in their order (MCP authorization "Authorization
 * Server Metadata Discovery"): the RFC 8414 path-inserted location, then OpenID Connect discovery
 * path-inserted and path-appended. A path-less issuer has only the first two.
 */
export function metadataLocations(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  if (path === '') {
    return [`${url.origin}/.well-known/oauth-authorization-server`, `${url.origin}/.well-known/openid-configuration`];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Fetches an issuer's metadata the way MCP clients do. A document is accepted only when it is a
 * JSON object whose `issuer` equals the expected issuer byte for byte (RFC 8414 §3.3, mix-up
 * defence). Redirects are not followed and responses are capped at 256 KiB.
 *
 * @throws MetadataDiscoveryError when no location answers a valid document.
 */
export async function discoverAuthorizationServerMetadata(
  issuer: string,
  options: { timeoutMs?: number } = {},
): Promise<DiscoveredMetadata> {
  let transient = false;
  const problems: string[] = [];
  for (const url of metadataLocations(issuer)) {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        redirect: 'manual',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      text = await response.text();
    } catch (error) {
      transient = true;
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    if (response.status >= 500) transient = true;
    if (response.status !== 200 || text.length > MAX_METADATA_BYTES) {
      problems.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    let metadata: unknown;
    try {
      metadata = JSON.parse(text);
    } catch {
      problems.push(`${url}: not JSON`);
      continue;
    }
    if (metadata === null || typeof metadata !== 'object' || (metadata as { issuer?: unknown }).issuer !== issuer) {
      problems.push(`${url}: issuer is not ${issuer}`);
      continue;
    }
    return { url, text, metadata: metadata as DiscoveredMetadata['metadata'] };
  }
  throw new MetadataDiscoveryError(`No metadata for issuer ${issuer} (${problems.join('; ')})`, transient);
}

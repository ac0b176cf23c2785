import type { ResolvedMcpAuthOptions } from '../../core/options/resolved-options.js';

/**
 * RFC 9728 protected-resource metadata document, built once from configuration. `resource` is
 * the configured MCP URL byte for byte; `authorization_servers` are the configured issuer
 * strings byte for byte (MCP clients compare them with the AS metadata `issuer`).
 */
export function buildProtectedResourceMetadata(options: ResolvedMcpAuthOptions): Record<string, unknown> {
  return withoutUndefined({
    resource: options.resourceUrl,
    authorization_servers: [...options.authorizationServers],
    scopes_supported: options.scopesSupported ? [...options.scopesSupported] : undefined,
    bearer_methods_supported: ['header'],
    resource_name: options.resourceName,
    resource_documentation: options.resourceDocumentation,
  });
}

function withoutUndefined(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}

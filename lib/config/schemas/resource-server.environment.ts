import { EnvSchema, EnvVariable, type EnvMapContext } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

/** Appends the MCP endpoint path to a public base URL: `https://x.example/api` + `/mcp`. */
export function joinBaseUrl(baseUrl: string, context: EnvMapContext): string {
  if (context.mcpEndpoint === false) return baseUrl;
  return `${baseUrl.replace(/\/+$/, '')}/${context.mcpEndpoint.replace(/^\/+/, '')}`;
}

/**
 * Variables every provider shares: the public URL of the MCP endpoint and what the protected
 * resource advertises (RFC 9728).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_',
  title: 'Resource server (every provider)',
  description:
    'The public URL of the MCP endpoint and what its RFC 9728 metadata advertises. Set `MCP_AUTH_RESOURCE_URL`, or `MCP_AUTH_BASE_URL` to have the MCP endpoint path appended.',
})
export class ResourceServerEnvironment {
  @EnvVariable({
    name: 'RESOURCE_URL',
    option: 'resourceUrl',
    type: EnvTypes.url(),
    description:
      'The MCP endpoint URL exactly as users type it into their clients, e.g. `https://mcp.example.com/mcp`. Never derived from request headers.',
  })
  resourceUrl?: string;

  @EnvVariable({
    name: 'BASE_URL',
    option: 'resourceUrl',
    type: EnvTypes.url(),
    map: joinBaseUrl,
    description:
      'Instead of `MCP_AUTH_RESOURCE_URL`: the public origin (and path prefix, if any) of the application; the MCP endpoint path (`mcpEndpoint`, default `/mcp`) is appended.',
  })
  baseUrl?: string;

  @EnvVariable({
    name: 'AUTHORIZATION_SERVERS',
    option: 'authorizationServers',
    type: EnvTypes.urls,
    description:
      'Level 1: issuers clients should log in with, advertised byte for byte in `authorization_servers` (copy the `issuer` of their metadata, trailing slash included). Remote providers set it themselves.',
  })
  authorizationServers?: string[];

  @EnvVariable({
    name: 'SCOPES_SUPPORTED',
    option: 'scopesSupported',
    type: EnvTypes.list,
    description:
      'Scopes advertised in the metadata: the minimal set for basic use (clients request all of them when a challenge names none). Never `offline_access`.',
  })
  scopesSupported?: string[];

  @EnvVariable({
    name: 'REQUIRED_SCOPES',
    option: 'requiredScopes',
    type: EnvTypes.list,
    description: 'Scopes every protected request needs, in addition to per-route and per-tool scopes.',
  })
  requiredScopes?: string[];

  @EnvVariable({
    name: 'IMPLIED_SCOPES',
    option: 'impliedScopes',
    type: EnvTypes.json,
    description: 'Scope hierarchy as a JSON object, e.g. `{"mcp:admin":["mcp:read","mcp:write"]}`.',
  })
  impliedScopes?: Record<string, string[]>;

  @EnvVariable({
    name: 'RESOURCE_NAME',
    option: 'resourceName',
    type: EnvTypes.string,
    description: 'RFC 9728 `resource_name` shown by some clients.',
  })
  resourceName?: string;

  @EnvVariable({
    name: 'RESOURCE_DOCUMENTATION',
    option: 'resourceDocumentation',
    type: EnvTypes.url({ allowQuery: true }),
    description: 'RFC 9728 `resource_documentation` URL.',
  })
  resourceDocumentation?: string;

  @EnvVariable({
    name: 'PRODUCTION',
    option: 'production',
    type: EnvTypes.boolean,
    default: '`NODE_ENV` is `production`',
    description: 'Production mode: refuses static tokens and plain-http public URLs on non-loopback hosts.',
  })
  production?: boolean;

  @EnvVariable({
    name: 'ALLOWED_HOSTS',
    option: 'mcp.allowedHosts',
    type: { ...EnvTypes.list, label: 'list or `false`' },
    map: (hosts: string[]) => (hosts.length === 1 && hosts[0] === 'false' ? false : hosts),
    default: 'loopback names for a loopback resource URL; no check otherwise',
    description:
      'Host names accepted in the `Host` header of MCP requests (DNS-rebinding defence); `false` turns the check off.',
  })
  allowedHosts?: string[] | false;

  @EnvVariable({
    name: 'ALLOWED_ORIGINS',
    option: 'mcp.allowedOrigins',
    type: { ...EnvTypes.list, label: 'list or `*`' },
    map: (origins: string[]) => (origins.length === 1 && origins[0] === '*' ? '*' : origins),
    default: 'loopback origins for a loopback resource URL; `*` otherwise',
    description: 'Origins accepted in the `Origin` header of MCP requests; `*` accepts any.',
  })
  allowedOrigins?: string[] | '*';
}

/** An identity provider you run yourself (Keycloak, Entra ID, Google, Okta…) instead of the bundled one. */
export interface ExternalIdentityProvider {
  /** Issuer identifier, exactly as its `.well-known/openid-configuration` spells it. */
  issuer: string;
  clientId: string;
  clientSecret?: string;
}

/** Where sample 04 listens, which identity provider it fronts, and where it stores state. */
export interface OidcProxySampleSettings {
  host: string;
  port: number;
  /** The MCP endpoint URL clients type (also the audience of the proxy's tokens). */
  resourceUrl: string;
  /** The proxy's fixed callback: the redirect URI registered at the identity provider. */
  callbackUrl: string;
  /** Port of the bundled identity provider (used when `external` is absent). */
  idpPort: number;
  /** Set when `OIDC_ISSUER` points the proxy at a real identity provider. */
  external?: ExternalIdentityProvider;
  /** `redis://…` to keep clients, grants and sealed upstream tokens in Redis instead of memory. */
  redisUrl?: string;
}

/**
 * Reads sample 04's settings from the environment; every problem is reported at once, naming the
 * variable.
 *
 * - `HOST` / `PORT`: where to listen (default 127.0.0.1:3000: loopback only unless asked);
 * - `MCP_AUTH_RESOURCE_URL`: the MCP URL clients use, or `MCP_AUTH_BASE_URL` with `/mcp` appended
 *   (default http://HOST:PORT/mcp). The proxy's issuer is that URL's origin and its callback is
 *   `{origin}/oauth/callback`;
 * - `IDP_PORT`: port of the bundled identity provider (default 4000);
 * - `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`: use a real OpenID Connect provider
 *   instead of the bundled one (the client is the app you registered there, with the callback
 *   above as its redirect URI);
 * - `MCP_AUTH_REDIS_URL`: store in Redis (several instances, restarts) instead of memory.
 */
export function sampleSettings(env: NodeJS.ProcessEnv): OidcProxySampleSettings {
  const problems: string[] = [];
  const value = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const host = value('HOST') ?? '127.0.0.1';
  const port = portOf('PORT', value('PORT') ?? '3000', problems);
  const idpPort = portOf('IDP_PORT', value('IDP_PORT') ?? '4000', problems);

  const explicitUrl = value('MCP_AUTH_RESOURCE_URL');
  const baseUrl = value('MCP_AUTH_BASE_URL');
  if (explicitUrl && baseUrl) problems.push('MCP_AUTH_BASE_URL: set it or MCP_AUTH_RESOURCE_URL, not both');
  const resourceUrl =
    explicitUrl ?? (baseUrl ? `${baseUrl.replace(/\/+$/, '')}/mcp` : `http://${urlHost(host)}:${port}/mcp`);
  const origin = originOf(explicitUrl ? 'MCP_AUTH_RESOURCE_URL' : 'MCP_AUTH_BASE_URL', resourceUrl, problems);

  let external: ExternalIdentityProvider | undefined;
  const issuer = value('OIDC_ISSUER');
  if (issuer !== undefined) {
    originOf('OIDC_ISSUER', issuer, problems);
    const clientId = value('OIDC_CLIENT_ID');
    if (clientId === undefined) {
      problems.push('OIDC_CLIENT_ID: required with OIDC_ISSUER (the client id of the app registered at your provider)');
    }
    external = { issuer, clientId: clientId ?? '', clientSecret: value('OIDC_CLIENT_SECRET') };
  } else {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) {
      if (value(name) !== undefined) problems.push(`${name}: only used with OIDC_ISSUER, which is not set`);
    }
  }
  const redisUrl = value('MCP_AUTH_REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('MCP_AUTH_REDIS_URL: must be a redis:// or rediss:// URL');
  }
  if (problems.length > 0) {
    throw new Error(`Sample 04 cannot start:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return {
    host,
    port,
    resourceUrl,
    callbackUrl: `${origin}/oauth/callback`,
    idpPort,
    ...(external ? { external } : {}),
    ...(redisUrl ? { redisUrl } : {}),
  };
}

function portOf(name: string, raw: string, problems: string[]): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) problems.push(`${name}: must be a port number, got "${raw}"`);
  return port;
}

function originOf(name: string, url: string, problems: string[]): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  } catch {
    // reported below
  }
  problems.push(`${name}: must be an absolute http(s) URL, got "${url}"`);
  return '';
}

/** `::1` → `[::1]` for URLs. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handleInteraction, SAMPLE_PAGE_HEADERS } from '../shared/oidc-provider-interaction.js';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/** Options of the bundled development identity provider. */
export interface DevIdentityProviderOptions {
  /** Port on 127.0.0.1 (0 = any free port). @default 0 */
  port?: number;
  /** Path the issuer lives under, e.g. `/realms/demo` (Keycloak-style). @default '' */
  issuerPath?: string;
  /** RFC 8707 resource indicators (MCP URLs) tokens may be issued for. */
  resources: string[];
  /** Scopes of those resources. @default ['notes:read', 'notes:write'] */
  scopes?: string[];
  /** Demo users, name → password. @default { demo: 'demo' } */
  users?: Record<string, string>;
  /** Access token lifetime. @default 600 */
  accessTokenTtlSeconds?: number;
}

export interface DevIdentityProvider {
  /** The issuer identifier, exactly as it appears in its metadata and tokens. */
  readonly issuer: string;
  readonly jwksUri: string;
  readonly provider: Provider;
  close(): Promise<void>;
}

/**
 * A real OAuth 2.1 / OpenID Connect authorization server (panva's oidc-provider) for trying and
 * testing level 2 offline: dynamic client registration, PKCE S256, RFC 8707 resource
 * indicators with JWT access tokens whose `aud` is the MCP URL, RFC 9207 `iss`, refresh tokens,
 * and a login + consent interaction for demo users. Development only: keys and sessions live in
 * memory.
 */
export async function startDevIdentityProvider(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
  const issuerPath = (options.issuerPath ?? '').replace(/\/+$/, '');
  const scopes = options.scopes ?? ['notes:read', 'notes:write'];
  const users = options.users ?? { demo: 'demo' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const issuer = `http://127.0.0.1:${port}${issuerPath}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'dev-idp-1', alg: 'RS256', use: 'sig' };
  const resources = new Set(options.resources);

  const configuration: Configuration = {
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', ...scopes],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string) => {
          if (!resources.has(indicator)) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          return {
            scope: scopes.join(' '),
            audience: indicator,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    // oidc-provider treats a registered `scope` as an allowlist; MCP clients register with the
    // scope of their first challenge and later step up to more, so registrations keep none.
    extraClientMetadata: {
      properties: ['mcp_scope_policy'],
      validator: (_ctx, _key, _value, metadata) => {
        delete metadata.scope;
      },
    },
    // Public MCP clients get refresh tokens without having to ask for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    ttl: { AuthorizationCode: 120, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 86_400 },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    if (!url.startsWith(issuerPath || '/')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const local = url.slice(issuerPath.length) || '/';
    if (local.startsWith('/interaction/')) {
      void handleInteraction(provider, local, req, res, {
        users,
        mountPath: issuerPath,
        title: 'Dev IdP',
        headers: SAMPLE_PAGE_HEADERS,
        loginPage: ({
          action,
          clientName,
        }) => `<h1>Sign in</h1><p>to continue to ${clientName} (demo user: demo / demo)</p>
<form method="post" action="${action}">
<label>User <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`,
        consentPage: ({
          confirm,
          abort,
          clientName,
          scope,
        }) => `<h1>Allow access?</h1><p>${clientName} asks for: ${scope}</p>
<form method="post" action="${confirm}"><button type="submit">Allow</button></form>
<form method="post" action="${abort}"><button type="submit">Deny</button></form>`,
      }).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    // oidc-provider routes relative to its mount point (as under Express's app.use).
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    req.url = local;
    oidc(req, res);
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

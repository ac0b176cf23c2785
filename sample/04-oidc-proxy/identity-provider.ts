import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { escapeHtml, handleInteraction, SAMPLE_PAGE_HEADERS } from '../shared/oidc-provider-interaction.js';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider, type Configuration } from 'oidc-provider';

/** Options of the bundled identity provider. */
export interface BundledIdentityProviderOptions {
  /** The proxy's fixed callback URL: the one redirect URI of the one registered client. */
  redirectUri: string;
  /** Port on 127.0.0.1 (0 = any free port). @default 0 */
  port?: number;
  /** Client id of the pre-registered app. @default 'mcp-proxy' */
  clientId?: string;
  /** Its client secret. @default random */
  clientSecret?: string;
  /** Users, name → password. @default { demo: 'demo' } */
  users?: Record<string, string>;
}

/** A running bundled identity provider. */
export interface BundledIdentityProvider {
  /** Issuer identifier; its metadata is at `{issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly users: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * An OpenID Connect provider (panva's `oidc-provider`) configured like most enterprise identity
 * providers that MCP clients cannot use directly: dynamic client registration is OFF and exactly
 * one client is pre-registered — the proxy — whose only redirect URI is the proxy's fixed
 * callback. It requires PKCE, sends RFC 9207 `iss` on authorization responses, issues refresh
 * tokens, and serves userinfo and RFC 7009 revocation. Sign-in and consent are plain HTML forms.
 *
 * Development only: keys, sessions and grants live in memory and vanish on restart.
 */
export async function startBundledIdentityProvider(
  options: BundledIdentityProviderOptions,
): Promise<BundledIdentityProvider> {
  const clientId = options.clientId ?? 'mcp-proxy';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const users = options.users ?? { demo: 'demo' };
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'bundled-idp-1', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The one client this provider knows: the proxy. MCP clients never register here.
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        client_name: 'MCP OAuth proxy (sample 04)',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    // Profile claims in the ID token too (as Keycloak, Google and Entra do), not only at userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // Like most enterprise IdPs, no RFC 8707: the proxy binds the MCP resource into its own tokens.
      resourceIndicators: { enabled: false },
    },
    // A refresh token with every code, so the proxy can renew the upstream token on its own.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, pending) => `/interaction/${pending.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bundled IdP: error</title></head><body><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p></body></html>`;
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        name: `${sub.charAt(0).toUpperCase()}${sub.slice(1)} User`,
        preferred_username: sub,
        email: `${sub}@example.com`,
        email_verified: true,
      }),
    }),
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 86_400,
      RefreshToken: 86_400,
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!path.startsWith('/interaction/')) return oidc(req, res);
    void handleInteraction(provider, path, req, res, {
      users,
      title: 'Bundled IdP',
      headers: SAMPLE_PAGE_HEADERS,
      loginPage: ({ action }) => `<h1>Bundled identity provider: sign in</h1>
<p>This page belongs to the upstream identity provider, not to the MCP server. Demo user: <b>demo</b> / <b>demo</b>.</p>
<form method="post" action="${action}">
<label>User <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`,
      consentPage: ({ confirm, abort, scope }) => `<h1>Bundled identity provider: allow the MCP server?</h1>
<p>The MCP OAuth proxy asks for: ${scope}</p>
<form method="post" action="${confirm}"><button type="submit">Allow</button></form>
<form method="post" action="${abort}"><button type="submit">Deny</button></form>`,
    }).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
      void handleInteraction(provider, users, issuerPath, local, req, res).catch((error: unknown) => {
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

async function handleInteraction(
  provider: Provider,
  users: Record<string, string>,
  issuerPath: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const [, , uid, action] = path.split('?')[0].split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const base = `${issuerPath}/interaction/${uid}`;
  if (req.method === 'GET') {
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    const body =
      details.prompt.name === 'login'
        ? `<h1>Sign in</h1><p>to continue to ${escapeHtml(clientName)} (demo user: demo / demo)</p>
<form method="post" action="${base}/login">
<label>User <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>`
        : `<h1>Allow access?</h1><p>${escapeHtml(clientName)} asks for: ${escapeHtml(String(details.params.scope ?? ''))}</p>
<form method="post" action="${base}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="${base}/abort"><button type="submit">Deny</button></form>`;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      // No form-action: Chromium applies it to the redirects after a submission, and these
      // forms end in a redirect to the client (test/browser/samples.e2e-spec.ts).
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cache-control': 'no-store',
    });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev IdP</title></head><body>${body}</body></html>`,
    );
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  if (action === 'login') {
    const username = form.get('username') ?? '';
    if (!(username in users) || users[username] !== form.get('password')) {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'wrong credentials' });
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'the user denied access',
    });
    return;
  }
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
  if (!grant) throw new Error('grant not found');
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

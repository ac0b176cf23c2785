import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { OidcProxyAppModule } from '../sample/04-oidc-proxy/app.module.js';
import {
  startBundledIdentityProvider,
  type BundledIdentityProvider,
} from '../sample/04-oidc-proxy/identity-provider.js';
import { sampleSettings } from '../sample/04-oidc-proxy/settings.js';
import { freePort } from './helpers/free-port.js';
import { approveAll, type FormPolicy } from './helpers/headless-browser.js';
import { OAuthMcpClient } from './helpers/oauth-clients.js';

const text = (result: unknown) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '';

interface ClientTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

describe('sample 04: settings from the environment', () => {
  it('runs offline on loopback by default, the callback at the MCP origin', () => {
    expect(sampleSettings({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      callbackUrl: 'http://127.0.0.1:3000/oauth/callback',
      idpPort: 4000,
    });
  });

  it('points at a real provider with OIDC_ISSUER and names every problem at once', () => {
    expect(
      sampleSettings({
        OIDC_ISSUER: 'https://keycloak.example.com/realms/mcp',
        OIDC_CLIENT_ID: 'mcp-proxy',
        OIDC_CLIENT_SECRET: 's3cret',
        MCP_AUTH_RESOURCE_URL: 'https://mcp.example.com/mcp',
      }),
    ).toMatchObject({
      resourceUrl: 'https://mcp.example.com/mcp',
      callbackUrl: 'https://mcp.example.com/oauth/callback',
      external: { issuer: 'https://keycloak.example.com/realms/mcp', clientId: 'mcp-proxy', clientSecret: 's3cret' },
    });
    expect(() => sampleSettings({ OIDC_ISSUER: 'keycloak', IDP_PORT: 'x' })).toThrow(
      /IDP_PORT: must be a port number, got "x"\n\s+- OIDC_ISSUER: must be an absolute http\(s\) URL, got "keycloak"\n\s+- OIDC_CLIENT_ID: required with OIDC_ISSUER/,
    );
    expect(() => sampleSettings({ OIDC_CLIENT_ID: 'mcp-proxy' })).toThrow(
      'OIDC_CLIENT_ID: only used with OIDC_ISSUER, which is not set',
    );
  });
});

/** The README walk-through of sample 04: the OIDC proxy in front of the bundled, non-DCR provider. */
describe('sample 04: OIDC proxy in front of the bundled identity provider', () => {
  let idp: BundledIdentityProvider;
  let app: INestApplication;
  let mcpUrl: string;
  let issuer: string;
  let callbackUrl: string;

  beforeAll(async () => {
    const settings = sampleSettings({ PORT: String(await freePort()), IDP_PORT: '0' });
    idp = await startBundledIdentityProvider({ redirectUri: settings.callbackUrl, port: settings.idpPort });
    app = await NestFactory.create(
      OidcProxyAppModule.forUpstream(settings, {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      }),
      { logger: false },
    );
    await app.listen(settings.port, settings.host);
    mcpUrl = settings.resourceUrl;
    issuer = new URL(mcpUrl).origin;
    callbackUrl = settings.callbackUrl;
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  /** approveAll, remembering every HTML page the "user" saw. */
  const recording = (pages: URL[]): FormPolicy => {
    const approve = approveAll({ username: 'demo', password: 'demo' });
    return (page) => {
      pages.push(page.url);
      return approve(page);
    };
  };

  it('the bundled provider is not DCR-capable and only knows the proxy’s callback', async () => {
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.issuer).toBe(idp.issuer);
    expect(metadata.registration_endpoint).toBeUndefined();
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    const elsewhere = new URL(metadata.authorization_endpoint as string);
    elsewhere.search = new URLSearchParams({
      client_id: idp.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://127.0.0.1:6276/oauth/callback',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const refused = await fetch(elsewhere, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    expect(callbackUrl).toBe(`${issuer}/oauth/callback`);
  });

  it.each(['v1', 'v2'] as const)(
    'SDK %s: DCR at the proxy → proxy consent → upstream sign-in and consent → callback → a tool uses the upstream token',
    async (v) => {
      const pages: URL[] = [];
      const client = new OAuthMcpClient(v, mcpUrl, { policy: recording(pages) });
      try {
        await client.connect();
        // The proxy's consent page comes first; the provider's pages only after the approval.
        expect(
          pages.map((page) => `${page.origin === issuer ? 'proxy' : 'idp'} ${page.pathname.split('/')[1]}`),
        ).toEqual(['proxy consent', 'idp interaction', 'idp interaction']);
        expect(await client.listTools()).toEqual(['whoami', 'upstream_userinfo']);
        expect(text(await client.callTool('whoami'))).toMatch(
          /^You are demo \(Demo User\), client \S+, with scopes: profile$/,
        );
        expect(JSON.parse(text(await client.callTool('upstream_userinfo')))).toEqual({
          sub: 'demo',
          name: 'Demo User',
          preferred_username: 'demo',
        });

        // The client holds the proxy's own token (for this MCP URL), never the provider's.
        const tokens = client.provider.tokens() as ClientTokens;
        expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
        const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/jwks`)), {
          issuer,
          audience: mcpUrl,
          typ: 'at+jwt',
        });
        expect(payload).toMatchObject({ sub: 'demo', scope: 'profile' });
        expect(tokens.id_token).toBeUndefined();
        expect(typeof tokens.refresh_token).toBe('string');
      } finally {
        await client.close();
      }
    },
  );

  it('the refresh token rotates at the proxy, the tool keeps working, and revocation ends the grant', async () => {
    const client = new OAuthMcpClient('v2', mcpUrl, { policy: recording([]) });
    try {
      await client.connect();
      const first = client.provider.tokens() as ClientTokens;
      const clientId = (client.provider.clientInformation() as { client_id: string }).client_id;
      const refreshed = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token as string,
          client_id: clientId,
        }),
      });
      expect(refreshed.status).toBe(200);
      const second = (await refreshed.json()) as ClientTokens;
      expect(second.refresh_token).toBeDefined();
      expect(second.refresh_token).not.toBe(first.refresh_token);
      client.provider.saveTokens(second);
      await client.connect();
      expect(JSON.parse(text(await client.callTool('upstream_userinfo')))).toMatchObject({ sub: 'demo' });

      const revoked = await fetch(`${issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: second.refresh_token as string, client_id: clientId }),
      });
      expect(revoked.status).toBe(200);
      const call = await fetch(mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${second.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } }),
      });
      expect(call.status).toBe(401);
      expect(call.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    } finally {
      await client.close();
    }
  });
});

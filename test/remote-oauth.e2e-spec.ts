import { decodeJwt } from 'jose';
import { startDevIdentityProvider, type DevIdentityProvider } from '../sample/02-remote-oauth/dev-identity-provider.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { parseBearerChallenge, postMcp, toolCall } from './helpers/clients.js';
import { freePort } from './helpers/free-port.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { OAuthMcpClient, type SdkVersion } from './helpers/oauth-clients.js';
import { ReverseProxy } from './helpers/reverse-proxy.js';

const versions: SdkVersion[] = ['v1', 'v2'];

/** Level 2 against a real authorization server (panva's oidc-provider) with DCR and RFC 8707. */
describe('remote OAuth (level 2) with oidc-provider', () => {
  let idp: DevIdentityProvider;
  let app: RunningApp;
  let other: RunningApp;
  let proxied: RunningApp;
  let proxy: ReverseProxy;
  let notes: NotesTools;
  const remote = () => ({ provider: 'generic' as const, issuer: idp.issuer, mirrorMetadata: true });

  beforeAll(async () => {
    const [port, otherPort, proxyPort, proxiedPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const url = (p: number) => `http://127.0.0.1:${p}/mcp`;
    idp = await startDevIdentityProvider({ resources: [url(port), url(otherPort), url(proxyPort)] });
    const options = (resourceUrl: string) => () => ({ resourceUrl, remote: remote(), scopesSupported: ['notes:read'] });
    app = await startMcpApp(options(url(port)), { port });
    other = await startMcpApp(options(url(otherPort)), { port: otherPort });
    // A deployment whose public URL is a reverse proxy in front of the app.
    proxied = await startMcpApp(options(url(proxyPort)), { port: proxiedPort });
    proxy = await new ReverseProxy(proxiedPort).start(proxyPort);
    notes = app.app.get(NotesTools);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), other?.close(), proxied?.close(), proxy?.stop()]);
    await idp?.close();
  });

  it('M-01 advertises the issuer byte for byte and the resource as configured', async () => {
    const response = await fetch(`${app.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(await response.json()).toEqual({
      resource: app.mcpUrl,
      authorization_servers: [idp.issuer],
      scopes_supported: ['notes:read'],
      bearer_methods_supported: ['header'],
    });
  });

  describe.each(versions)('SDK %s client', (version) => {
    it('completes 401 → metadata → DCR → login and consent → token with resource → tools/call', async () => {
      const client = new OAuthMcpClient(version, app.mcpUrl);
      await client.connect();
      expect(await client.callTool('list_notes')).toMatchObject({ structuredContent: { notes: expect.any(Array) } });
      const [authorization] = client.provider.authorizationUrls;
      expect(authorization.origin).toBe(new URL(idp.issuer).origin);
      expect(authorization.searchParams.get('resource')).toBe(app.mcpUrl);
      expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorization.searchParams.get('scope')?.split(' ')).toContain('notes:read');
      const accessToken = (client.provider.store.tokens as { access_token: string }).access_token;
      expect(decodeJwt(accessToken)).toMatchObject({
        iss: idp.issuer,
        aud: app.mcpUrl,
        scope: expect.stringContaining('notes:read'),
      });
      await client.close();
    });

    it('gets a 403 step-up challenge for a tool whose scope it was not granted', async () => {
      const client = new OAuthMcpClient(version, app.mcpUrl);
      await client.connect();
      const token = (client.provider.store.tokens as { access_token: string }).access_token;
      const raw = await postMcp(app.mcpUrl, toolCall('add_note', { text: 'x' }), { authorization: `Bearer ${token}` });
      expect(raw.status).toBe(403);
      expect(parseBearerChallenge(raw.headers.get('www-authenticate'))).toMatchObject({
        error: 'insufficient_scope',
        scope: 'notes:write notes:read',
      });
      const before = notes.notes.length;
      if (version === 'v2') {
        // SDK v2 re-authorizes with the union of its scopes and the challenge, then succeeds.
        await client.callTool('add_note', { text: `via ${version}` });
        expect(notes.notes.length).toBe(before + 1);
        expect(client.provider.authorizationUrls.at(-1)?.searchParams.get('scope')?.split(' ')).toEqual(
          expect.arrayContaining(['notes:read', 'notes:write']),
        );
      } else {
        // SDK v1 refreshes instead of re-authorizing (typescript-sdk#2255), so it stops at the 403.
        await expect(client.callTool('add_note', { text: 'v1' })).rejects.toThrow(/403/);
        expect(notes.notes.length).toBe(before);
      }
      await client.close();
    });
  });

  it('rejects a token the same IdP issued for another MCP server', async () => {
    const client = new OAuthMcpClient('v2', other.mcpUrl);
    await client.connect();
    const foreign = (client.provider.store.tokens as { access_token: string }).access_token;
    expect(decodeJwt(foreign).aud).toBe(other.mcpUrl);
    const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { authorization: `Bearer ${foreign}` });
    expect(response.status).toBe(401);
    expect(parseBearerChallenge(response.headers.get('www-authenticate'))).toMatchObject({
      error: 'invalid_token',
      error_description: 'The access token was not issued for this resource',
    });
    await client.close();
  });

  describe('discovery variants behind a proxy', () => {
    const prmPath = '/.well-known/oauth-protected-resource/mcp';
    const rootPath = '/.well-known/oauth-protected-resource';
    const withoutPointer = (header: string) =>
      header.replace(/resource_metadata="[^"]*",?\s*/, '').replace(/,\s*$/, '');
    const variants: Array<[string, () => void]> = [
      [
        'only through the WWW-Authenticate pointer',
        () => {
          proxy.rules = {
            hide: (path) => path === prmPath || path === rootPath,
            route: (path) => (path === '/meta/prm.json' ? prmPath : path),
            challenge: (header) =>
              header.replace(/resource_metadata="[^"]*"/, `resource_metadata="${proxy.origin}/meta/prm.json"`),
          };
        },
      ],
      [
        'only at the path-suffixed URL',
        () => (proxy.rules = { hide: (path) => path === rootPath, challenge: withoutPointer }),
      ],
      ['only at the root URL', () => (proxy.rules = { hide: (path) => path === prmPath, challenge: withoutPointer })],
    ];

    describe.each(variants)('metadata %s', (_name, configure) => {
      it.each(versions)('SDK %s completes the flow', async (version) => {
        configure();
        const client = new OAuthMcpClient(version, `${proxy.origin}/mcp`);
        await client.connect();
        expect(await client.callTool('echo', { text: 'found' })).toMatchObject({
          content: [{ text: expect.stringMatching(/^found:/) }],
        });
        await client.close();
      });
    });
  });

  describe('authorization-server metadata mirror', () => {
    it.each(['/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/mcp'])(
      'serves the IdP document at %s',
      async (path) => {
        const mirrored = await fetch(`${app.origin}${path}`);
        expect(mirrored.status).toBe(200);
        expect(mirrored.headers.get('access-control-allow-origin')).toBe('*');
        const original = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json();
        expect(await mirrored.json()).toEqual(original);
      },
    );

    it('M-07 is read-only and 404s elsewhere', async () => {
      expect((await fetch(`${app.origin}/.well-known/oauth-authorization-server`, { method: 'POST' })).status).toBe(
        405,
      );
      const elsewhere = await fetch(`${app.origin}/.well-known/oauth-authorization-server/other`);
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.headers.get('content-type')).toContain('application/json');
    });
  });
});

describe('remote OAuth edge cases', () => {
  it('the mirror answers a JSON 503 when the IdP cannot be reached and keeps a good copy once it had one', async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    const idp = await startDevIdentityProvider({ resources: [resourceUrl] });
    const app = await startMcpApp(
      () => ({
        resourceUrl,
        remote: { provider: 'generic', issuer: idp.issuer, mirrorMetadata: true, metadataCacheSeconds: 1 },
      }),
      { port },
    );
    try {
      expect((await fetch(`${app.origin}/.well-known/oauth-authorization-server`)).status).toBe(200);
      await idp.close();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const stale = await fetch(`${app.origin}/.well-known/oauth-authorization-server`);
      expect(stale.status).toBe(200);
      expect(((await stale.json()) as { issuer: string }).issuer).toBe(idp.issuer);
    } finally {
      await app.close();
    }
    const cold = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      remote: { provider: 'generic', issuer: idp.issuer, mirrorMetadata: true, metadataTimeoutMs: 500 },
    }));
    try {
      const response = await fetch(`${cold.origin}/.well-known/oauth-authorization-server`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' });
    } finally {
      await cold.close();
    }
  });

  it('M-05 an issuer with a path (Keycloak-style realm) is discovered and its tokens accepted', async () => {
    const port = await freePort();
    const resourceUrl = `http://127.0.0.1:${port}/mcp`;
    const idp = await startDevIdentityProvider({ resources: [resourceUrl], issuerPath: '/realms/demo' });
    const app = await startMcpApp(
      () => ({ resourceUrl, remote: { provider: 'generic', issuer: idp.issuer }, scopesSupported: ['notes:read'] }),
      { port },
    );
    try {
      expect(idp.issuer).toMatch(/\/realms\/demo$/);
      for (const version of versions) {
        const client = new OAuthMcpClient(version, app.mcpUrl);
        await client.connect();
        expect(await client.callTool('echo', { text: 'realm' })).toMatchObject({
          content: [{ text: expect.stringMatching(/^realm:/) }],
        });
        await client.close();
      }
    } finally {
      await app.close();
      await idp.close();
    }
  });
});

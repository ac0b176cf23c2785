import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { fingerprint } from '../fixtures/proxy-upstream.tools.js';
import { freePort } from '../helpers/free-port.js';
import { approveAll } from '../helpers/headless-browser.js';
import { OAuthMcpClient } from '../helpers/oauth-clients.js';
import {
  authorization,
  authorizeThroughProxy,
  callTool,
  decide,
  mcpCall,
  openConsent,
  ProxyBrowser,
  redeem,
  registerClient,
  upstreamUser,
} from './support/oauth-browser.js';
import { startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { ALICE, BOB, oidcProxyModuleOptions } from './support/upstreams.js';

/**
 * Level 3 end to end with the official SDK clients: oidc-provider is the upstream without
 * dynamic registration (one pre-registered confidential client), the proxy presents a complete
 * authorization server, and the clients complete the whole flow headlessly (the consent form is
 * submitted over HTTP). Tool code then uses the user's upstream token.
 */
describe('proxy (level 3): SDK v1 and v2 through oidc-provider', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({
      redirectUri: callback,
      users: { [ALICE.username]: ALICE.password, [BOB.username]: BOB.password },
    });
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp), {
      port,
      userApiUrl: `${idp.issuer}/me`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });
  // Tests move the proxy's clock; the upstream keeps real time, so every test starts from it.
  afterEach(() => {
    app.clock.ms = Date.now();
  });

  const tokenHits = () => idp.hits.get('/token') ?? 0;
  const structured = (result: unknown) => (result as { structuredContent: Record<string, unknown> }).structuredContent;

  describe.each(['v1', 'v2'] as const)('SDK %s', (version) => {
    let client: OAuthMcpClient;
    afterAll(() => client?.close());

    it('completes the whole flow headlessly; a tool calls the upstream userinfo with the upstream token', async () => {
      client = new OAuthMcpClient(version, app.mcpUrl, { policy: approveAll(ALICE) });
      await client.connect();
      const result = structured(await client.callTool('upstream_profile'));
      expect(result).toMatchObject({
        status: 200,
        sub: 'alice',
        profile: { sub: 'alice', email: 'alice@example.com', name: 'User alice' },
      });

      // One browser authorization: our consent page first, then the upstream's login.
      expect(client.provider.authorizationUrls).toHaveLength(1);
      const visited = (client.provider as unknown as { browser: { visited: string[] } }).browser.visited;
      const consentAt = visited.findIndex((step) => step.startsWith(`POST ${app.origin}/consent`));
      const upstreamAt = visited.findIndex((step) => step.includes(`${idp.issuer}/auth`));
      expect(consentAt).toBeGreaterThan(-1);
      expect(upstreamAt).toBeGreaterThan(consentAt);

      // The client holds this server's RFC 9068 token, never the upstream's.
      const tokens = client.provider.store.tokens as { access_token: string; refresh_token: string };
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ typ: 'at+jwt' });
      expect(decodeJwt(tokens.access_token)).toMatchObject({
        iss: app.origin,
        aud: app.mcpUrl,
        sub: 'alice',
        client_id: (client.provider.store.client as { client_id: string }).client_id,
      });
      const { upstream } = await app.grantOf(tokens.access_token);
      expect(upstream?.accessToken).toEqual(expect.any(String));
      expect(result.upstreamToken).toBe(fingerprint(upstream!.accessToken));
      const everythingTheClientHas = JSON.stringify(client.provider.store);
      expect(everythingTheClientHas).not.toContain(upstream!.accessToken);
      expect(everythingTheClientHas).not.toContain(upstream!.refreshToken!);
      expect(everythingTheClientHas).not.toContain(upstream!.idToken!);
    });

    it('refresh: an expired access token makes the SDK rotate our refresh token, with no new login', async () => {
      const before = client.provider.store.tokens as { access_token: string; refresh_token: string };
      // Over an hour later: our access token (3600 s, 5 s leeway) has expired, and so has the upstream's (600 s).
      app.clock.ms += 3_700_000;
      const upstreamRefreshes = tokenHits();
      const result = structured(await client.callTool('upstream_profile'));
      expect(result).toMatchObject({ status: 200, sub: 'alice', profile: { sub: 'alice' } });
      const after = client.provider.store.tokens as { access_token: string; refresh_token: string };
      expect(after.refresh_token).not.toBe(before.refresh_token);
      expect(after.access_token).not.toBe(before.access_token);
      expect(client.provider.authorizationUrls).toHaveLength(1);
      // The tool's upstream token was refreshed transparently, once.
      expect(tokenHits() - upstreamRefreshes).toBe(1);
      const old = await mcpCall(app.mcpUrl, before.access_token, 'tools/list');
      expect(old.status).toBe(401);
      expect(old.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });
  });

  /** A user's whole flow by hand: browser at the proxy, login at the upstream, code redemption. */
  async function signIn(
    user: { username: string; password: string },
    client?: Awaited<ReturnType<typeof registerClient>>,
  ) {
    const registered = client ?? (await registerClient(app.origin));
    const done = await authorizeThroughProxy(
      new ProxyBrowser(),
      authorization(app.origin, app.mcpUrl, registered, { scope: 'openid email profile' }),
      upstreamUser(callback, user),
    );
    return { client: registered, ...(await redeem(app.origin, done)) };
  }

  it('transparent upstream refresh when the upstream token is near expiry: one flight for concurrent tool calls', async () => {
    const alice = await signIn(ALICE);
    const first = await callTool(app.mcpUrl, alice.access_token, 'upstream_token_info');
    expect(first.hasRefreshToken).toBe(true);
    // 550 s later the upstream token (600 s) is inside the refresh-ahead minute; ours (3600 s) is fine.
    app.clock.ms += 550_000;
    const hits = tokenHits();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => callTool(app.mcpUrl, alice.access_token, 'upstream_profile')),
    );
    expect(tokenHits() - hits).toBe(1);
    const fingerprints = new Set(results.map((result) => result.upstreamToken));
    expect(fingerprints.size).toBe(1);
    expect([...fingerprints][0]).not.toBe(first.upstreamToken);
    for (const result of results) expect(result).toMatchObject({ status: 200, profile: { sub: 'alice' } });
    // The refreshed token is stored (sealed): the next call needs no refresh.
    const next = await callTool(app.mcpUrl, alice.access_token, 'upstream_token_info');
    expect(next.upstreamToken).toBe([...fingerprints][0]);
    expect(tokenHits() - hits).toBe(1);
  });

  it('S-04: each user’s token reaches only that user’s upstream token, and sealed tokens cannot be moved between grants', async () => {
    const client = await registerClient(app.origin);
    const [alice, bob] = [await signIn(ALICE, client), await signIn(BOB, client)];
    expect(await callTool(app.mcpUrl, alice.access_token, 'upstream_profile')).toMatchObject({
      sub: 'alice',
      profile: { sub: 'alice' },
    });
    expect(await callTool(app.mcpUrl, bob.access_token, 'upstream_profile')).toMatchObject({
      sub: 'bob',
      profile: { sub: 'bob' },
    });
    // Copy bob's sealed upstream tokens into alice's grant: they do not open there.
    const a = await app.grantOf(alice.access_token);
    const b = await app.grantOf(bob.access_token);
    const { GrantService } = await import('../../lib/oauth/grants/grant.service.js');
    await app.app.get(GrantService).updateGrant({ ...a.grant!, upstream: b.grant!.upstream });
    const swapped = await mcpCall(app.mcpUrl, alice.access_token, 'tools/call', {
      name: 'upstream_profile',
      arguments: {},
    });
    // The tool fails (authenticated decryption refuses a value sealed for another user).
    expect(swapped.body).toMatchObject({ result: { isError: true } });
    expect(JSON.stringify(swapped.body)).not.toContain('"bob"');
    expect(JSON.stringify(swapped.body)).not.toContain(fingerprint(b.upstream!.accessToken));
  });

  it('revoke: our access token then fails on /mcp (401 invalid_token) and exactly this user’s upstream token is revoked upstream', async () => {
    const client = await registerClient(app.origin);
    const alice = await signIn(ALICE, client);
    const bob = await signIn(BOB, client);
    const aliceUpstream = (await app.grantOf(alice.access_token)).upstream!;
    const bobUpstream = (await app.grantOf(bob.access_token)).upstream!;
    const userinfo = (token: string) =>
      fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await userinfo(aliceUpstream.accessToken)).toBe(200);
    expect(await userinfo(bobUpstream.accessToken)).toBe(200);
    const revocations = idp.hits.get('/token/revocation') ?? 0;

    const revoked = await fetch(`${app.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: alice.refresh_token, client_id: client.clientId }).toString(),
    });
    expect(revoked.status).toBe(200);

    const rejected = await mcpCall(app.mcpUrl, alice.access_token, 'tools/list');
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(JSON.stringify(rejected.body)).not.toContain('at+jwt');

    // At the upstream: alice's tokens are dead (one revocation request), bob's still work.
    expect((idp.hits.get('/token/revocation') ?? 0) - revocations).toBe(1);
    expect(await userinfo(aliceUpstream.accessToken)).toBe(401);
    const upstreamRefresh = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${idp.clientId}:${idp.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: aliceUpstream.refreshToken! }).toString(),
    });
    expect(upstreamRefresh.status).toBe(400);
    expect(((await upstreamRefresh.json()) as { error: string }).error).toBe('invalid_grant');
    expect(await userinfo(bobUpstream.accessToken)).toBe(200);
    expect(await callTool(app.mcpUrl, bob.access_token, 'upstream_profile')).toMatchObject({ profile: { sub: 'bob' } });
    // Our refresh token is dead too.
    const refresh = await fetch(`${app.origin}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: alice.refresh_token,
        client_id: client.clientId,
      }).toString(),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe('invalid_grant');
  });
});

/** RFC 8707 towards the upstream: forwarded when the preset says so, so the upstream token is audience-bound too. */
describe('proxy (level 3): the MCP client’s resource forwarded upstream (RFC 8707)', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback, resources: [`http://127.0.0.1:${port}/mcp`] });
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp, {}, { forwardResource: true }), { port });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('the upstream authorization request carries the canonical resource and the upstream access token is bound to it', async () => {
    const client = await registerClient(app.origin);
    const browser = new ProxyBrowser();
    const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid' });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    expect(new URL(approved.location!).searchParams.get('resource')).toBe(app.mcpUrl);
    const answer = await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
    const redirect = new URL(answer.location!);
    const tokens = await redeem(app.origin, { ...auth, redirect, code: redirect.searchParams.get('code')! });
    expect(decodeJwt(tokens.access_token).aud).toBe(app.mcpUrl);
    const { upstream } = await app.grantOf(tokens.access_token);
    expect(decodeJwt(upstream!.accessToken).aud).toBe(app.mcpUrl);
  });
});

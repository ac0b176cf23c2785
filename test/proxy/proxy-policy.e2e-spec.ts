import { load } from 'cheerio';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { freePort } from '../helpers/free-port.js';
import { SinkServer } from '../helpers/sink-server.js';
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
  tokenRequest,
  upstreamUser,
  type Authorization,
} from './support/oauth-browser.js';
import { recordCounts, startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { ALICE, oidcProxyModuleOptions } from './support/upstreams.js';

/**
 * The policy points of the security catalog (§4, P-6 … P-13) as the proxy decides them, pinned
 * through the level-3 flow. Each test names the decision; the catalog row it settles is in the
 * test name.
 */
describe('proxy (level 3): policy decisions P-6 … P-13', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    app = await startProxyApp(
      (origin) =>
        oidcProxyModuleOptions(origin, idp, { clientRegistration: { rateLimit: { max: 1000, windowSeconds: 60 } } }),
      { port, userApiUrl: `${idp.issuer}/me` },
    );
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });
  afterEach(() => {
    app.clock.ms = Date.now();
  });

  const upstreamRequests = () => idp.hits.get('/auth') ?? 0;
  const start = (client: Parameters<typeof authorization>[2], params: Record<string, string | undefined> = {}) =>
    authorization(app.origin, app.mcpUrl, client, { scope: 'openid', ...params });

  async function signIn(auth: Authorization) {
    const done = await authorizeThroughProxy(new ProxyBrowser(), auth, upstreamUser(callback, ALICE));
    return { done, tokens: await redeem(app.origin, done) };
  }

  describe('P-6: loopback redirect URIs', () => {
    it('P-6: the port of a loopback redirect URI may differ even when one was registered; the code goes to the requested port', async () => {
      const client = await registerClient(app.origin, { redirectUri: 'http://127.0.0.1:5555/cb' });
      const auth = start(client, { redirect_uri: 'http://127.0.0.1:61234/cb' });
      const { done, tokens } = await signIn({
        ...auth,
        client: { ...client, redirectUri: 'http://127.0.0.1:61234/cb' },
      });
      expect(done.redirect.href.startsWith('http://127.0.0.1:61234/cb?code=')).toBe(true);
      expect(tokens.access_token).toEqual(expect.any(String));
    });

    it.each([
      ['localhost for a 127.0.0.1 registration', 'http://127.0.0.1:5555/cb', 'http://localhost:5555/cb'],
      ['[::1] for a 127.0.0.1 registration', 'http://127.0.0.1:5555/cb', 'http://[::1]:5555/cb'],
      ['127.0.0.1 for a localhost registration', 'http://localhost/cb', 'http://127.0.0.1:7777/cb'],
      ['another path on the loopback host', 'http://127.0.0.1:5555/cb', 'http://127.0.0.1:5555/cb2'],
      ['https on the loopback host', 'http://127.0.0.1:5555/cb', 'https://127.0.0.1:5555/cb'],
    ])('P-6: %s is another redirect URI → error page, nothing upstream', async (_name, registered, requested) => {
      const client = await registerClient(app.origin, { redirectUri: registered });
      const before = upstreamRequests();
      const answer = await new ProxyBrowser().get(start(client, { redirect_uri: requested }).url);
      expect(answer.status).toBe(400);
      expect(answer.location).toBeUndefined();
      expect(upstreamRequests()).toBe(before);
    });

    it('P-6: localhost is accepted as a loopback host (any port), as registered', async () => {
      const client = await registerClient(app.origin, { redirectUri: 'http://localhost/cb' });
      const answer = await new ProxyBrowser().get(start(client, { redirect_uri: 'http://localhost:7777/cb' }).url);
      expect(answer.status).toBe(302);
      expect(answer.location).toMatch(/\/consent\?tx=/);
    });
  });

  describe('P-7: where authorization errors go', () => {
    it.each([
      ['an unknown scope', { scope: 'admin' }, 'invalid_scope'],
      ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
    ])(
      'P-7: %s from a native (loopback) client → redirect with the error, state and iss; nothing upstream',
      async (_n, params, error) => {
        const client = await registerClient(app.origin);
        const before = upstreamRequests();
        const auth = start(client, params as Record<string, string | undefined>);
        const answer = await new ProxyBrowser().get(auth.url);
        expect(answer.status).toBe(302);
        const location = new URL(answer.location!);
        expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri);
        expect(location.searchParams.get('error')).toBe(error);
        expect(location.searchParams.get('state')).toBe(auth.state);
        expect(location.searchParams.get('iss')).toBe(app.origin);
        expect(upstreamRequests()).toBe(before);
      },
    );

    it.each([
      ['an unknown scope', { scope: 'admin' }],
      ['no PKCE challenge', { code_challenge: undefined, code_challenge_method: undefined }],
      ['response_type token', { response_type: 'token' }],
    ])(
      'P-7: %s from a dynamically registered web client → error page, never a redirect (RFC 9700 §4.11.2)',
      async (_n, params) => {
        const client = await registerClient(app.origin, { redirectUri: 'https://client.example/cb' });
        const before = upstreamRequests();
        const answer = await new ProxyBrowser().get(start(client, params as Record<string, string | undefined>).url);
        expect(answer.status).toBe(400);
        expect(answer.location).toBeUndefined();
        expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
        expect(upstreamRequests()).toBe(before);
      },
    );
  });

  it('P-8: state is optional for MCP clients (PKCE protects the flow); without it none is echoed', async () => {
    const client = await registerClient(app.origin);
    const auth = start(client);
    auth.url.searchParams.delete('state');
    const { done, tokens } = await signIn(auth);
    expect(done.redirect.searchParams.has('state')).toBe(false);
    expect(done.redirect.searchParams.get('iss')).toBe(app.origin);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  describe('P-9 / P-10: refresh-token rotation in the proxy', () => {
    it('P-9: a refresh token replayed within 10 s of its rotation is a benign retry: a new pair, the same grant and upstream token', async () => {
      const client = await registerClient(app.origin);
      const { tokens } = await signIn(start(client));
      const upstreamBefore = (await app.grantOf(tokens.access_token)).upstream!.accessToken;
      const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.clientId };
      const first = await tokenRequest(app.origin, form);
      expect(first.status).toBe(200);
      app.clock.ms += 9_000;
      const retry = await tokenRequest(app.origin, form);
      expect(retry.status).toBe(200);
      expect(retry.body.refresh_token).not.toBe(first.body.refresh_token);
      const access = retry.body.access_token as string;
      expect((await app.grantOf(access)).upstream!.accessToken).toBe(upstreamBefore);
      expect(await callTool(app.mcpUrl, access, 'upstream_profile')).toMatchObject({ status: 200 });
    });

    it('P-9 / P-10: replayed after the window → the family is revoked: every refresh token invalid_grant, the access token 401', async () => {
      const client = await registerClient(app.origin);
      const { tokens } = await signIn(start(client));
      const form = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.clientId };
      const rotated = await tokenRequest(app.origin, form);
      expect(rotated.status).toBe(200);
      const access = rotated.body.access_token as string;
      expect((await mcpCall(app.mcpUrl, access, 'tools/list')).status).toBe(200);
      app.clock.ms += 11_000;
      expect(await tokenRequest(app.origin, form)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(
        await tokenRequest(app.origin, { ...form, refresh_token: rotated.body.refresh_token as string }),
      ).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // P-10: access tokens of a revoked grant are refused (within the 10 s revocation cache).
      app.clock.ms += 10_001;
      const rejected = await mcpCall(app.mcpUrl, access, 'tools/list');
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('P-10: revoking an access token (RFC 7009) ends its grant at once on this instance, and the upstream token with it', async () => {
      const client = await registerClient(app.origin);
      const { tokens } = await signIn(start(client));
      const upstream = (await app.grantOf(tokens.access_token)).upstream!;
      const revoked = await fetch(`${app.origin}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          token: tokens.access_token,
          token_type_hint: 'access_token',
          client_id: client.clientId,
        }),
      });
      expect(revoked.status).toBe(200);
      expect((await mcpCall(app.mcpUrl, tokens.access_token, 'tools/list')).status).toBe(401);
      const userinfo = await fetch(`${idp.issuer}/me`, {
        headers: { authorization: `Bearer ${upstream.accessToken}` },
      });
      expect(userinfo.status).toBe(401);
    });
  });

  it('P-11: consent is asked every time by default (no remember option is offered)', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const first = await openConsent(browser, start(client));
    expect(first.$('input[name="remember"]').length).toBe(0);
    const approved = await decide(browser, first, 'approve');
    await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
    const before = upstreamRequests();
    const again = await browser.get(start(client).url, { 'sec-fetch-site': 'none' });
    expect(again.location).toMatch(/\/consent\?tx=/);
    const page = await browser.get(again.location!, { 'sec-fetch-site': 'none' });
    expect(page.status).toBe(200);
    expect(load(page.body)('button[value="approve"]').length).toBe(1);
    expect(upstreamRequests()).toBe(before);
  });

  it('P-13: a failed code redemption (wrong verifier) burns the code: the right verifier then fails too; no grant is created', async () => {
    const client = await registerClient(app.origin);
    const done = await authorizeThroughProxy(new ProxyBrowser(), start(client), upstreamUser(callback, ALICE));
    const grants = recordCounts(app.memory!)['oauth-grant'] ?? 0;
    const codes = recordCounts(app.memory!)['oauth-code'] ?? 0;
    const form = {
      grant_type: 'authorization_code',
      code: done.code,
      redirect_uri: client.redirectUri,
      client_id: client.clientId,
    };
    const wrong = await tokenRequest(app.origin, { ...form, code_verifier: 'w'.repeat(43) });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const right = await tokenRequest(app.origin, { ...form, code_verifier: done.verifier });
    expect(right).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(recordCounts(app.memory!)['oauth-grant'] ?? 0).toBe(grants);
    // The code's record, with its sealed upstream tokens, is gone.
    expect(recordCounts(app.memory!)['oauth-code'] ?? 0).toBe(codes - 1);
  });
});

/** P-12 with the defaults: open registration, rate limited, unused clients expire, no CIMD. */
describe('proxy (level 3): P-12 dynamic registration defaults', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let sink: SinkServer;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcUpstream({ redirectUri: `http://127.0.0.1:${port}/oauth/callback` });
    sink = await new SinkServer().start();
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp), { port });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
    await sink?.stop();
  });

  it('P-12: registration is open (no initial access token) and advertised; client ID metadata documents are off', async () => {
    const metadata = (await (await fetch(`${app.origin}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.registration_endpoint).toBe(`${app.origin}/register`);
    expect(metadata.client_id_metadata_document_supported).not.toBe(true);
    const client = await registerClient(app.origin);
    expect(client.clientId).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    // A URL-shaped client id is not fetched (D-22): an error page, and the sink sees nothing.
    const answer = await new ProxyBrowser().get(
      authorization(app.origin, app.mcpUrl, { ...client, clientId: `${sink.origin}/client.json` }).url,
    );
    expect(answer.status).toBe(400);
    expect(answer.location).toBeUndefined();
    expect(sink.hits()).toBe(0);
  });

  it('P-12: an unused registration expires after 30 days', async () => {
    await registerClient(app.origin);
    const entries = (app.memory as unknown as { entries: Map<string, { expiresAt: number }> }).entries;
    const clients = [...entries].filter(([key]) => key.startsWith('oauth-client:'));
    expect(clients.length).toBeGreaterThan(0);
    for (const [, entry] of clients) {
      expect(entry.expiresAt - app.clock.now()).toBeLessThanOrEqual(30 * 86_400_000);
      expect(entry.expiresAt - app.clock.now()).toBeGreaterThan(29 * 86_400_000);
    }
  });

  it('P-12: at most 30 registrations a minute from one address: the next one gets 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 35; i++) {
      const response = await fetch(`${app.origin}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:5555/cb'], token_endpoint_auth_method: 'none' }),
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
    }
    // Two registrations happened in the tests above, on the same frozen minute.
    expect(statuses.filter((status) => status === 201)).toHaveLength(28);
    expect(statuses.slice(28).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    app.clock.ms += 61_000;
    expect((await registerClient(app.origin)).clientId).toEqual(expect.any(String));
  });
});

import { randomBytes } from 'node:crypto';
import { load } from 'cheerio';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { freePort } from '../helpers/free-port.js';
import {
  authorization,
  callTool,
  decide,
  openConsent,
  ProxyBrowser,
  redeem,
  registerClient,
  upstreamUser,
  type Answer,
  type Authorization,
} from './support/oauth-browser.js';
import { recordCounts, startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { editJson, TokenRelay } from './support/token-relay.js';
import { ALICE, oidcProxyModuleOptions } from './support/upstreams.js';

/**
 * Security catalog §1.7: the proxy's fixed callback, where the upstream identity provider returns
 * the user. The upstream is oidc-provider (RFC 9207 `iss` advertised); its token endpoint is
 * reached through a relay so that tests can alter genuine answers.
 */
describe('proxy (level 3): upstream callback (CB-01 … CB-15)', () => {
  let idp: OidcUpstream;
  let relay: TokenRelay;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    relay = await new TokenRelay(new URL(`${idp.issuer}/token`)).start();
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp, {}, { tokenEndpoint: relay.url }), {
      port,
      userApiUrl: `${idp.issuer}/me`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await relay?.stop();
    await idp?.close();
  });
  afterEach(() => {
    relay.rewrite = undefined;
    idp.clearFaults();
    app.clock.ms = Date.now();
  });

  const counts = () => recordCounts(app.memory!);
  /** Records a callback may create or consume: upstream legs, codes, grants. */
  const state = () => {
    const c = counts();
    return { legs: c['oauth-upstream-leg'] ?? 0, codes: c['oauth-code'] ?? 0, grants: c['oauth-grant'] ?? 0 };
  };

  /** A browser that approved a client and has the upstream's answer to deliver to the callback. */
  async function returnedFromUpstream(scope = 'openid email profile') {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, app.mcpUrl, client, { scope });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    const upstreamUrl = new URL(approved.location!);
    const callbackUrl = await upstreamUser(callback, ALICE).authorize(upstreamUrl.href);
    return { browser, auth, upstreamUrl, callbackUrl, upstreamState: upstreamUrl.searchParams.get('state')! };
  }

  function expectPage(answer: Answer, status: number) {
    expect(answer.status).toBe(status);
    expect(answer.location).toBeUndefined();
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).not.toMatch(/at \w+ \(|node_modules|127\.0\.0\.1:\d+\/token/);
  }

  /** EREDIR(e): 302 to the registered redirect URI with `error`, the client's state and our `iss`, no code. */
  function expectErrorRedirect(answer: Answer, auth: Authorization, error: string) {
    expect(answer.status).toBe(302);
    const location = new URL(answer.location!);
    expect(`${location.origin}${location.pathname}`).toBe(auth.client.redirectUri);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe(auth.state);
    expect(location.searchParams.get('iss')).toBe(app.origin);
    expect(location.searchParams.has('code')).toBe(false);
    expect(location.searchParams.get('error_description') ?? '').toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/);
    return location;
  }

  it('CB-01: a callback without state → 400 page; nothing consumed, no upstream token request', async () => {
    const { browser, callbackUrl } = await returnedFromUpstream();
    const [before, exchanges] = [state(), relay.requests];
    expectPage(await browser.get(`${callback}?code=x`), 400);
    expectPage(await browser.get(`${callback}?code=${callbackUrl.searchParams.get('code')}`), 400);
    expect([state(), relay.requests]).toEqual([before, exchanges]);
    // The genuine answer still completes.
    expect((await browser.get(callbackUrl)).status).toBe(302);
  });

  describe('CB-02: forged, expired or replayed state', () => {
    it('a forged state (43 random characters) → 400, no upstream token request', async () => {
      const { browser, callbackUrl } = await returnedFromUpstream();
      const forged = new URL(callbackUrl);
      forged.searchParams.set('state', randomBytes(32).toString('base64url'));
      const [before, exchanges] = [state(), relay.requests];
      expectPage(await browser.get(forged), 400);
      expect([state(), relay.requests]).toEqual([before, exchanges]);
    });

    it('the state of a transaction older than its lifetime (10 min) → 400', async () => {
      const { browser, callbackUrl } = await returnedFromUpstream();
      app.clock.ms += 601_000;
      const [before, exchanges] = [state(), relay.requests];
      const late = await browser.get(callbackUrl);
      expectPage(late, 400);
      expect(load(late.body)('main').text()).toMatch(/expired or was already completed/);
      expect(relay.requests).toBe(exchanges);
      expect(state().codes).toBe(before.codes);
    });

    it('the client’s own state, or the upstream state of a denied transaction, is no upstream state', async () => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream();
      const withClientState = new URL(callbackUrl);
      withClientState.searchParams.set('state', auth.state);
      const exchanges = relay.requests;
      expectPage(await browser.get(withClientState), 400);
      expect(relay.requests).toBe(exchanges);
    });
  });

  it('CB-04: the same callback URL replayed → second 400; one upstream code exchange, one MCP code', async () => {
    const { browser, auth, callbackUrl } = await returnedFromUpstream();
    const [before, exchanges] = [state(), relay.requests];
    const first = await browser.get(callbackUrl);
    expect(first.status).toBe(302);
    const second = await browser.get(callbackUrl);
    expectPage(second, 400);
    expect(relay.requests - exchanges).toBe(1);
    expect(state().codes - before.codes).toBe(1);
    expect(new URL(first.location!).searchParams.get('state')).toBe(auth.state);
  });

  describe('CB-05: repeated or nested parameters', () => {
    it('state=a&state=b → 400; state[]=a → 400; nothing consumed', async () => {
      const { browser, callbackUrl } = await returnedFromUpstream();
      const s = callbackUrl.searchParams.get('state')!;
      const code = callbackUrl.searchParams.get('code')!;
      const [before, exchanges] = [state(), relay.requests];
      expectPage(await browser.get(`${callback}?code=${code}&state=${s}&state=${s}`), 400);
      expectPage(await browser.get(`${callback}?code=${code}&state[]=${s}`), 400);
      expectPage(await browser.get(`${callback}?code=${code}&state[a]=${s}`), 400);
      expect([state(), relay.requests]).toEqual([before, exchanges]);
    });

    it('a valid state with code=x&code=y → 400; the state is spent, no exchange, no code', async () => {
      const { browser, callbackUrl } = await returnedFromUpstream();
      const duplicated = `${callbackUrl.href}&code=other`;
      const [before, exchanges] = [state(), relay.requests];
      expectPage(await browser.get(duplicated), 400);
      expect(relay.requests).toBe(exchanges);
      expect(state().codes).toBe(before.codes);
      expect(state().legs).toBe(before.legs - 1);
      expectPage(await browser.get(callbackUrl), 400);
    });
  });

  describe('CB-06: an upstream error comes back to the client as its own error', () => {
    it('the user denies at the upstream → access_denied with the client’s state; the upstream description is not reflected', async () => {
      const browser = new ProxyBrowser();
      const client = await registerClient(app.origin);
      const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid' });
      const approved = await decide(browser, await openConsent(browser, auth), 'approve');
      // At oidc-provider the user signs in, then presses "Deny" (its description has markup and quotes).
      const denyAtUpstream = upstreamUser(callback, ALICE, (page) => {
        const $ = load(page.html);
        if ($('input[name="password"]').length) return { action: '/login', fields: ALICE };
        return { action: '/abort' };
      });
      const returned = await denyAtUpstream.authorize(approved.location!);
      expect(returned.searchParams.get('error')).toBe('access_denied');
      expect(returned.searchParams.get('error_description')).toContain('<b>user</b>');
      const [before, exchanges] = [state(), relay.requests];
      const answer = await browser.get(returned);
      const location = expectErrorRedirect(answer, auth, 'access_denied');
      expect(answer.location).not.toMatch(/%3Cb%3E|<b>|said/);
      expect(location.searchParams.get('error_description')).toBe('The identity provider refused the sign-in');
      expect(relay.requests).toBe(exchanges);
      expect(state().codes).toBe(before.codes);
    });

    it('a script in the upstream error_description is neither redirected nor rendered', async () => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream();
      const hostile = new URL(callback);
      hostile.searchParams.set('error', 'access_denied');
      hostile.searchParams.set('error_description', '<script>alert(1)</script>');
      hostile.searchParams.set('state', callbackUrl.searchParams.get('state')!);
      hostile.searchParams.set('iss', idp.issuer);
      const answer = await browser.get(hostile);
      expectErrorRedirect(answer, auth, 'access_denied');
      expect(decodeURIComponent(answer.location!)).not.toMatch(/<script|alert\(/i);
      expect(answer.body).not.toMatch(/<script|alert\(/i);
    });

    it('an upstream temporarily_unavailable → temporarily_unavailable to the client', async () => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream();
      const busy = new URL(callback);
      busy.searchParams.set('error', 'temporarily_unavailable');
      busy.searchParams.set('state', callbackUrl.searchParams.get('state')!);
      busy.searchParams.set('iss', idp.issuer);
      expectErrorRedirect(await browser.get(busy), auth, 'temporarily_unavailable');
    });
  });

  it('CB-07: a valid state with neither code nor error → server_error redirect; the transaction is consumed', async () => {
    const { browser, auth, callbackUrl } = await returnedFromUpstream();
    const empty = new URL(callback);
    empty.searchParams.set('state', callbackUrl.searchParams.get('state')!);
    empty.searchParams.set('iss', idp.issuer);
    const [before, exchanges] = [state(), relay.requests];
    expectErrorRedirect(await browser.get(empty), auth, 'server_error');
    expect(relay.requests).toBe(exchanges);
    expect(state().codes).toBe(before.codes);
    expectPage(await browser.get(callbackUrl), 400);
  });

  describe('CB-08: mix-up defence (the upstream advertises RFC 9207)', () => {
    it.each([
      ['another issuer', 'https://evil.example'],
      ['the issuer with a trailing slash', 'TRAILING'],
      ['no iss at all', undefined],
    ])('%s → server_error redirect before any code exchange', async (_name, iss) => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream();
      const mixed = new URL(callbackUrl);
      if (iss === undefined) mixed.searchParams.delete('iss');
      else mixed.searchParams.set('iss', iss === 'TRAILING' ? `${idp.issuer}/` : iss);
      const [before, exchanges] = [state(), relay.requests];
      expectErrorRedirect(await browser.get(mixed), auth, 'server_error');
      expect(relay.requests).toBe(exchanges);
      expect(state().codes).toBe(before.codes);
    });
  });

  describe('CB-09 / CB-10 / F-10: token responses that are not what they seem', () => {
    it.each([
      [
        'HTTP 200 with a GitHub-style error body',
        () => ({
          status: 200,
          contentType: 'application/json',
          body: '{"error":"bad_verification_code","error_description":"The code passed is incorrect or expired."}',
        }),
        'access_denied',
      ],
      [
        'HTML with status 200',
        () => ({ status: 200, contentType: 'text/html', body: '<html>Sign in</html>' }),
        'server_error',
      ],
      [
        'JSON without access_token',
        editJson((fields) => Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'access_token'))),
        'server_error',
      ],
      ['token_type mac', editJson((fields) => ({ ...fields, token_type: 'mac' })), 'server_error'],
      [
        'truncated JSON',
        (answer: { body: string }) => ({
          status: 200,
          contentType: 'application/json',
          body: answer.body.slice(0, 40),
        }),
        'server_error',
      ],
      [
        'form-encoded instead of JSON',
        (answer: { body: string }) => ({
          status: 200,
          contentType: 'application/x-www-form-urlencoded',
          body: new URLSearchParams(JSON.parse(answer.body) as Record<string, string>).toString(),
        }),
        'server_error',
      ],
    ] as const)('%s → fails closed (%#): no MCP code, nothing stored', async (_name, rewrite, error) => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream();
      relay.rewrite = rewrite as never;
      const before = state();
      expectErrorRedirect(await browser.get(callbackUrl), auth, error);
      expect(state()).toEqual({ ...before, legs: before.legs - 1 });
    });

    it.each([-1, 0, 'abc'])(
      'CB-10: expires_in %p is handled safely: a usable fallback expiry, no refresh loop',
      async (value) => {
        const { browser, auth, callbackUrl } = await returnedFromUpstream();
        relay.rewrite = editJson((fields) => ({ ...fields, expires_in: value }));
        const answer = await browser.get(callbackUrl);
        expect(answer.status).toBe(302);
        const redirect = new URL(answer.location!);
        const tokens = await redeem(app.origin, { ...auth, redirect, code: redirect.searchParams.get('code')! });
        relay.rewrite = undefined;
        const exchanges = relay.requests;
        const info = await callTool(app.mcpUrl, tokens.access_token, 'upstream_token_info');
        const now = Math.floor(app.clock.now() / 1000);
        expect(info.expiresAt).toBeGreaterThanOrEqual(now + 3500);
        expect(info.expiresAt).toBeLessThanOrEqual(now + 3600);
        expect(relay.requests).toBe(exchanges);
      },
    );

    it('CB-10: a narrower scope granted upstream is what the MCP token gets, never the requested scopes', async () => {
      const { browser, auth, callbackUrl } = await returnedFromUpstream('openid email profile');
      relay.rewrite = editJson((fields) => ({ ...fields, scope: 'openid offline_access' }));
      const answer = await browser.get(callbackUrl);
      const redirect = new URL(answer.location!);
      const tokens = await redeem(app.origin, { ...auth, redirect, code: redirect.searchParams.get('code')! });
      expect(tokens.scope).toBe('openid');
    });
  });

  it('CB-15: success is a 302 to the registered redirect URI with code, the client’s state and iss — and nothing else', async () => {
    const { browser, auth, callbackUrl } = await returnedFromUpstream();
    const answer = await browser.get(callbackUrl);
    expect(answer.status).toBe(302);
    const location = new URL(answer.location!);
    expect(`${location.origin}${location.pathname}`).toBe(auth.client.redirectUri);
    expect([...location.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
    expect(location.searchParams.get('state')).toBe(auth.state);
    expect(location.searchParams.get('iss')).toBe(app.origin);
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    // The transaction's browser cookie is expired once used.
    expect(answer.setCookies.some((cookie) => /^mcp_auth_tx_[^=]+=; .*Max-Age=0/.test(cookie))).toBe(true);
    // Nothing of the upstream (its code, its tokens) travels to the client.
    const tokens = await redeem(app.origin, { ...auth, redirect: location, code: location.searchParams.get('code')! });
    const { upstream } = await app.grantOf(tokens.access_token);
    for (const secret of [upstream!.accessToken, upstream!.refreshToken!, callbackUrl.searchParams.get('code')!]) {
      expect(answer.location).not.toContain(secret);
      expect(JSON.stringify(tokens)).not.toContain(secret);
    }
  });

  it('A-14: the client’s state is echoed exactly (one code parameter, encoding preserved); no state → none echoed', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    for (const clientState of ['x&code=attacker&y=', undefined]) {
      const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid', state: clientState });
      if (clientState === undefined) auth.url.searchParams.delete('state');
      const approved = await decide(browser, await openConsent(browser, auth), 'approve');
      const answer = await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
      const location = new URL(answer.location!);
      expect(location.searchParams.getAll('code')).toHaveLength(1);
      expect(location.searchParams.get('state')).toBe(clientState ?? null);
    }
  });
});

/** CB-11: where the identity comes from the userinfo endpoint, its failures end the sign-in. */
describe('proxy (level 3): identity lookup failures at the callback (CB-11)', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp, {}, { identity: 'userinfo' }), {
      port,
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });
  afterEach(() => idp.clearFaults());

  it.each([
    ['500', { status: 500, body: '{}' }, 'temporarily_unavailable'],
    ['a timeout', { delayMs: 2500 }, 'temporarily_unavailable'],
    ['malformed JSON', { status: 200, body: '{"sub":' }, 'server_error'],
    ['no sub', { status: 200, body: '{"email":"alice@example.com"}' }, 'server_error'],
    ['an empty sub', { status: 200, body: '{"sub":""}' }, 'server_error'],
    ['a numeric sub', { status: 200, body: '{"sub":42}' }, 'server_error'],
    ['401 (token refused)', { status: 401, body: '{"error":"invalid_token"}' }, 'access_denied'],
  ])('userinfo answering %s → %s, no MCP code, nothing stored', async (_name, fault, error) => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid email' });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    const callbackUrl = await upstreamUser(callback, ALICE).authorize(approved.location!);
    idp.fault({ path: '/me', ...fault });
    const before = recordCounts(app.memory!);
    const answer = await browser.get(callbackUrl);
    expect(answer.status).toBe(302);
    const location = new URL(answer.location!);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.has('code')).toBe(false);
    const after = recordCounts(app.memory!);
    expect(after['oauth-code'] ?? 0).toBe(before['oauth-code'] ?? 0);
    expect(after['oauth-grant'] ?? 0).toBe(before['oauth-grant'] ?? 0);
  });

  it('control: the same setup with a working userinfo completes', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid email' });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    const answer = await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
    expect(new URL(answer.location!).searchParams.get('code')).toEqual(expect.any(String));
  });
});

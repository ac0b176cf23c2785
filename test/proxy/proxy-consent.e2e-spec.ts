import { jest } from '@jest/globals';
import { load } from 'cheerio';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../../lib/oauth/client-directory.js';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { freePort } from '../helpers/free-port.js';
import {
  authorization,
  authorizeThroughProxy,
  decide,
  openConsent,
  ProxyBrowser,
  readConsent,
  redeem,
  registerClient,
  upstreamUser,
  type Answer,
  type TestClient,
} from './support/oauth-browser.js';
import { recordCounts, startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { ALICE, BOB, oidcProxyModuleOptions } from './support/upstreams.js';

/**
 * Security catalog §1.6 (consent) for the proxy: the proxy's own consent page stands between
 * every MCP client and the upstream identity provider (MCP "confused deputy" rule). The upstream
 * here is oidc-provider, which remembers its user's session and grant, so it would approve a
 * second client silently: only the proxy's consent protects the user.
 */
describe('proxy (level 3): consent (C-01 … C-13)', () => {
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
    // Many registrations from one address on a frozen clock: the DCR rate limit is not under test here.
    app = await startProxyApp(
      (origin) =>
        oidcProxyModuleOptions(origin, idp, { clientRegistration: { rateLimit: { max: 1000, windowSeconds: 60 } } }),
      { port },
    );
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });
  afterEach(() => {
    app.clock.ms = Date.now();
  });

  const idpAuthorizations = () => idp.hits.get('/auth') ?? 0;
  const counts = () => recordCounts(app.memory!);
  const legs = () => counts()['oauth-upstream-leg'] ?? 0;
  const codes = () => counts()['oauth-code'] ?? 0;
  const start = (client: TestClient, params: Record<string, string | undefined> = {}) =>
    authorization(app.origin, app.mcpUrl, client, { scope: 'openid email', ...params });

  /** An error page: the status, no Location, the security headers. */
  function expectErrorPage(answer: Answer, status: number) {
    expect(answer.status).toBe(status);
    expect(answer.location).toBeUndefined();
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.body).not.toMatch(/at \w+ \(|node_modules/);
  }

  it('C-01: a browser that completed a flow for one client still gets the consent page for another, before any upstream request', async () => {
    const browser = new ProxyBrowser();
    const upstream = upstreamUser(callback, ALICE);
    const pub1 = await registerClient(app.origin, { clientName: 'pub1' });
    await authorizeThroughProxy(browser, start(pub1), upstream);

    const evil1 = await registerClient(app.origin, { clientName: 'evil1', redirectUri: 'http://127.0.0.1:5557/cb' });
    const before = idpAuthorizations();
    const legsBefore = legs();
    const redirected = await browser.get(start(evil1).url);
    expect(redirected.status).toBe(302);
    expect(redirected.location).toMatch(new RegExp(`^${app.origin}/consent\\?tx=`));
    const page = await readConsent(browser, new URL(redirected.location!));
    expect(page.answer.status).toBe(200);
    expect(page.$('h1').text()).toContain('evil1');
    expect(idpAuthorizations()).toBe(before);
    expect(legs()).toBe(legsBefore);

    // Policy P-11 default: the same client is asked again too.
    const again = await openConsent(browser, start(pub1));
    expect(again.answer.status).toBe(200);
    expect(idpAuthorizations()).toBe(before);

    // Only the approval sends the browser upstream (where the IdP would have said yes silently).
    const approved = await decide(browser, page, 'approve');
    expect(approved.status).toBe(303);
    expect(approved.location).toMatch(new RegExp(`^${idp.issuer}/auth\\?`));
    const done = await upstream.authorize(approved.location!);
    expect(done.href.startsWith(callback)).toBe(true);
    expect(idpAuthorizations()).toBe(before + 1);
  });

  it('C-02: the page shows the client name, the exact redirect URI and its host, the scopes, the resource and the identity provider', async () => {
    const client = await registerClient(app.origin, {
      clientName: 'Notes Desktop',
      redirectUri: 'http://127.0.0.1:6123/oauth/cb',
    });
    const page = await openConsent(new ProxyBrowser(), start(client, { scope: 'openid email profile' }));
    const text = page.$('main').text();
    expect(page.$('h1 bdi').text()).toBe('Notes Desktop');
    expect(text).toContain('http://127.0.0.1:6123/oauth/cb');
    expect(page.$('.host').text()).toBe('127.0.0.1');
    expect(
      page
        .$('li code')
        .toArray()
        .map((li) => page.$(li).text()),
    ).toEqual(['openid', 'email', 'profile']);
    expect(text).toContain(app.mcpUrl);
    expect(text).toContain('sign in with your identity provider');
    expect(
      page
        .$('button[name="decision"]')
        .toArray()
        .map((b) => page.$(b).attr('value')),
    ).toEqual(['approve', 'deny']);
    expect(page.$('.warning').length).toBe(0);
  });

  it('C-02: a client known by a metadata document whose redirects are all loopback gets the localhost warning; a registered one does not', async () => {
    // The real CIMD fetcher refuses loopback hosts (SSRF rule), so the directory presents a
    // registered client as if its metadata document had been fetched.
    const directory = app.app.get<ClientDirectory>(MCP_AUTH_CLIENTS);
    const loopbackOnly = await registerClient(app.origin, { clientName: 'Local tool' });
    const find = directory.find.bind(directory);
    const spy = jest.spyOn(directory, 'find').mockImplementation(async (clientId) => {
      const client = await find(clientId);
      return client && clientId === loopbackOnly.clientId ? { ...client, source: 'metadata-document' } : client;
    });
    try {
      const warned = await openConsent(new ProxyBrowser(), start(loopbackOnly));
      expect(warned.$('.warning[role="alert"]').text()).toMatch(/only redirects to your own computer \(localhost\)/);
      const plain = await openConsent(new ProxyBrowser(), start(await registerClient(app.origin)));
      expect(plain.$('.warning').length).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  describe('C-03: CSRF on the consent form', () => {
    async function pending(browser = new ProxyBrowser()) {
      const client = await registerClient(app.origin);
      return { browser, client, page: await openConsent(browser, start(client)) };
    }

    async function expectRefused(answer: Answer, legsBefore: number, idpBefore: number) {
      expectErrorPage(answer, 403);
      expect(legs()).toBe(legsBefore);
      expect(idpAuthorizations()).toBe(idpBefore);
    }

    it('(a) no CSRF token → 403, no upstream state, no upstream request', async () => {
      const { browser, page } = await pending();
      const [l, i] = [legs(), idpAuthorizations()];
      await expectRefused(await browser.post(page.action, { decision: 'approve' }), l, i);
      await expectRefused(await browser.post(page.action, { decision: 'approve', csrf_token: '' }), l, i);
      // The transaction is intact: the genuine form still works.
      expect((await decide(browser, page, 'approve')).status).toBe(303);
    });

    it('(b) the CSRF token of another transaction of the same browser → 403', async () => {
      const browser = new ProxyBrowser();
      const one = await pending(browser);
      const two = await pending(browser);
      const [l, i] = [legs(), idpAuthorizations()];
      await expectRefused(
        await browser.post(one.page.action, { decision: 'approve', csrf_token: two.page.csrfToken }),
        l,
        i,
      );
    });

    it('(c) a valid form posted from another browser (no transaction cookie) → 403', async () => {
      const { page } = await pending();
      const [l, i] = [legs(), idpAuthorizations()];
      const attacker = new ProxyBrowser();
      await expectRefused(await attacker.post(page.action, { decision: 'approve', csrf_token: page.csrfToken }), l, i);
    });

    it('(d) hidden fields tampered next to a valid token change nothing: the decision uses the server-side transaction', async () => {
      const { browser, client, page } = await pending();
      const approved = await decide(browser, page, 'approve', {
        client_id: 'evil',
        redirect_uri: 'https://evil.example/cb',
        scope: 'openid email profile offline_access',
        resource: 'https://evil.example/mcp',
      });
      expect(approved.status).toBe(303);
      const upstreamRequest = new URL(approved.location!);
      expect(upstreamRequest.searchParams.get('scope')).toBe('openid email offline_access');
      const callbackUrl = await upstreamUser(callback, ALICE).authorize(approved.location!);
      const finished = await browser.get(callbackUrl);
      expect(finished.status).toBe(302);
      expect(finished.location!.startsWith(`${client.redirectUri}?code=`)).toBe(true);
    });
  });

  it('C-04: a consent form submitted twice: the second submission is refused and only one upstream leg exists', async () => {
    const browser = new ProxyBrowser();
    const page = await openConsent(browser, start(await registerClient(app.origin)));
    const legsBefore = legs();
    expect((await decide(browser, page, 'approve')).status).toBe(303);
    const second = await decide(browser, page, 'approve');
    expectErrorPage(second, 400);
    expect(legs()).toBe(legsBefore + 1);
    // Deny after approve is refused the same way.
    expectErrorPage(await decide(browser, page, 'deny'), 400);
  });

  it('C-06: the upstream state exists only after approval; before it, only the transaction cookie is set', async () => {
    const browser = new ProxyBrowser();
    const auth = start(await registerClient(app.origin));
    const legsBefore = legs();
    const started = await browser.get(auth.url);
    expect(started.status).toBe(302);
    expect(started.setCookies).toHaveLength(1);
    expect(started.setCookies[0]).toMatch(
      /^mcp_auth_tx_[A-Za-z0-9_-]+=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=900$/,
    );
    const page = await readConsent(browser, new URL(started.location!));
    expect(page.answer.setCookies).toEqual([]);
    expect(legs()).toBe(legsBefore);

    const approved = await decide(browser, page, 'approve');
    expect(legs()).toBe(legsBefore + 1);
    const state = new URL(approved.location!).searchParams.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(state).not.toBe(auth.state);
    // Two PKCE legs: the upstream gets the S256 challenge of the proxy's own verifier, not the client's.
    const upstreamChallenge = new URL(approved.location!).searchParams.get('code_challenge');
    expect(new URL(approved.location!).searchParams.get('code_challenge_method')).toBe('S256');
    expect(upstreamChallenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(upstreamChallenge).not.toBe(auth.url.searchParams.get('code_challenge'));
    expect(new URL(approved.location!).searchParams.get('client_id')).toBe(idp.clientId);
    expect(approved.location).not.toContain(auth.state);
    // The upstream leg is stored under a hash of the state, never the state itself.
    expect(
      JSON.stringify([...(app.memory as unknown as { entries: Map<string, unknown> }).entries.keys()]),
    ).not.toContain(state);
  });

  describe('C-07 / C-08: hostile client names and redirect URIs are shown inert', () => {
    it.each([
      '<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
      'javascript:alert(1)',
      '</title><script>alert(1)</script>',
      "<img src=x onerror='alert(1)'>",
    ])('C-07: client_name %s is escaped text', async (name) => {
      const client = await registerClient(app.origin, { clientName: name });
      const page = await openConsent(new ProxyBrowser(), start(client));
      expect(page.answer.status).toBe(200);
      const $ = page.$;
      expect($('script').length).toBe(0);
      expect($('svg, img, iframe, a').length).toBe(0);
      const handlers = $('*')
        .toArray()
        .flatMap((element) => Object.keys((element as unknown as { attribs: Record<string, string> }).attribs))
        .filter((attribute) => attribute.startsWith('on'));
      expect(handlers).toEqual([]);
      expect($('h1 bdi').text()).toBe(name);
      expect($('title').text()).toBe('Allow access?');
      const csp = page.answer.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/unsafe-inline|script-src/);
    });

    it('C-07: a redirect URI carrying markup is refused, one with quotes and ampersands is displayed escaped', async () => {
      // Markup characters cannot survive the canonical-form rule of registration.
      await expect(
        registerClient(app.origin, { redirectUri: 'http://127.0.0.1:5555/cb?x="><svg/onload=alert(1)>' }),
      ).rejects.toThrow(/invalid_redirect_uri/);
      const client = await registerClient(app.origin, {
        redirectUri: "http://127.0.0.1:5555/cb/'onfocus='alert(1)'&x",
      });
      const page = await openConsent(new ProxyBrowser(), start(client));
      expect(page.$('svg, script').length).toBe(0);
      expect(page.$('main code').first().text()).toBe(client.redirectUri);
      expect(page.answer.body).toContain('/cb/&#39;onfocus=&#39;alert(1)&#39;&amp;x');
      expect(page.$('[onfocus]').length).toBe(0);
    });

    it('C-08: a right-to-left override is isolated, a 5000-character name truncated', async () => {
      const rtl = await registerClient(app.origin, { clientName: '\u202Eevil\u202C Notes' });
      const page = await openConsent(new ProxyBrowser(), start(rtl));
      expect(page.$('h1 bdi').length).toBe(1);
      expect(page.$('h1 bdi').text()).toBe('\u202Eevil\u202C Notes');
      // 5000 characters are refused at registration (per-field cap); the longest allowed is cut.
      await expect(registerClient(app.origin, { clientName: 'A'.repeat(5000) })).rejects.toThrow(
        /invalid_client_metadata/,
      );
      const long = await registerClient(app.origin, { clientName: 'B'.repeat(255) });
      const shown = await openConsent(new ProxyBrowser(), start(long));
      expect(shown.$('h1 bdi').text()).toBe(`${'B'.repeat(80)}…`);
    });

    it('C-08 / D-21: a homoglyph redirect host must be registered in punycode, and is shown so', async () => {
      await expect(registerClient(app.origin, { redirectUri: 'https://cl\u0456ent.example/cb' })).rejects.toThrow(
        /invalid_redirect_uri.*punycode/,
      );
      const client = await registerClient(app.origin, { redirectUri: 'https://xn--clent-o2e.example/cb' });
      const page = await openConsent(new ProxyBrowser(), start(client));
      expect(page.$('.host').text()).toBe('xn--clent-o2e.example');
      expect(page.$('main').text()).not.toContain('cl\u0456ent');
    });
  });

  it('C-09 / A-20: the consent page cannot be framed and carries a strict CSP, no-store and no-referrer', async () => {
    const page = await openConsent(new ProxyBrowser(), start(await registerClient(app.origin)));
    const headers = page.answer.headers;
    expect(headers.get('x-frame-options')).toBe('DENY');
    const csp = headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('access-control-allow-origin')).toBeNull();
  });

  it('C-10: deny → 303 to the registered redirect URI with access_denied, the state and iss; nothing upstream', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = start(client);
    const page = await openConsent(browser, auth);
    const [l, i, c] = [legs(), idpAuthorizations(), codes()];
    const denied = await decide(browser, page, 'deny');
    expect(denied.status).toBe(303);
    const location = new URL(denied.location!);
    expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: auth.state,
      iss: app.origin,
    });
    expect([legs(), idpAuthorizations(), codes()]).toEqual([l, i, c]);
    // The transaction is gone and its cookie expired.
    expect(denied.setCookies.some((cookie) => /^mcp_auth_tx_.*Max-Age=0/.test(cookie))).toBe(true);
    expectErrorPage(await browser.get(page.action), 400);
  });

  it('C-11 / CB-03: consent approved in browser A, completed in browser B → 403 at the callback; no code for anyone', async () => {
    const a = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const page = await openConsent(a, start(client));
    const approved = await decide(a, page, 'approve');
    const codesBefore = codes();
    // The victim's browser B (its own upstream session as bob) follows A's upstream URL.
    const callbackUrl = await upstreamUser(callback, BOB).authorize(approved.location!);
    const b = new ProxyBrowser();
    const inB = await b.get(callbackUrl);
    expectErrorPage(inB, 403);
    expect(load(inB.body)('code').text()).toBe('access_denied');
    expect(codes()).toBe(codesBefore);
    // The state is spent: A cannot use it afterwards either.
    expectErrorPage(await a.get(callbackUrl), 400);
    expect(codes()).toBe(codesBefore);
  });

  it('C-11: a cookie of another transaction does not bind this one', async () => {
    const browser = new ProxyBrowser();
    const mine = await openConsent(browser, start(await registerClient(app.origin)));
    const approved = await decide(browser, mine, 'approve');
    const callbackUrl = await upstreamUser(callback, ALICE).authorize(approved.location!);
    // Another browser that holds a cookie of its own transaction.
    const other = new ProxyBrowser();
    await openConsent(other, start(await registerClient(app.origin)));
    expect(other.cookies.size).toBe(1);
    expectErrorPage(await other.get(callbackUrl), 403);
  });

  it('C-13: approving after the transaction lifetime (10 min) fails without any upstream redirect', async () => {
    const browser = new ProxyBrowser();
    const page = await openConsent(browser, start(await registerClient(app.origin)));
    const [l, i] = [legs(), idpAuthorizations()];
    app.clock.ms += 601_000;
    const late = await decide(browser, page, 'approve');
    expectErrorPage(late, 400);
    expect(load(late.body)('main').text()).toMatch(/expired/i);
    expect([legs(), idpAuthorizations()]).toEqual([l, i]);
  });
});

/**
 * "Remember my decision" (policy P-11, off by default): in the proxy the approval is remembered
 * per browser (the user is not known before the upstream sign-in), and a remembered approval is
 * used only for a navigation the user started (C-12), with the genuine cookie (C-05).
 */
describe('proxy (level 3): remembered consent (C-05, C-12, P-11)', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp, { rememberConsentDays: 30 }), { port });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  const start = (client: TestClient, params: Record<string, string | undefined> = {}) =>
    authorization(app.origin, app.mcpUrl, client, { scope: 'openid email', ...params });

  /** /authorize, then the consent URL fetched with the given `Sec-Fetch-Site` (absent: no header). */
  async function consentStep(browser: ProxyBrowser, auth: ReturnType<typeof start>, site?: string): Promise<Answer> {
    const started = await browser.get(auth.url, site ? { 'sec-fetch-site': site } : {});
    expect(started.status).toBe(302);
    return browser.get(new URL(started.location!), site ? { 'sec-fetch-site': site } : {});
  }

  const skipped = (answer: Answer) => answer.status === 302 && answer.location!.startsWith(`${idp.issuer}/auth?`);
  const prompted = (answer: Answer) =>
    answer.status === 200 && load(answer.body)('form button[value="approve"]').length === 1;

  async function rememberedBrowser(client: TestClient): Promise<ProxyBrowser> {
    const browser = new ProxyBrowser();
    const page = await openConsent(browser, start(client));
    expect(page.$('input[name="remember"][value="yes"]').length).toBe(1);
    const approved = await decide(browser, page, 'approve', { remember: 'yes' });
    expect(approved.status).toBe(303);
    const cookie = approved.setCookies.find((c) => c.startsWith('mcp_auth_consent='));
    expect(cookie).toMatch(/^mcp_auth_consent=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    return browser;
  }

  it('C-12: a remembered approval skips the page only for Sec-Fetch-Site none / same-origin; cross-site, same-site or missing → the page', async () => {
    const client = await registerClient(app.origin);
    const browser = await rememberedBrowser(client);
    expect(prompted(await consentStep(browser, start(client), 'cross-site'))).toBe(true);
    expect(prompted(await consentStep(browser, start(client), 'same-site'))).toBe(true);
    expect(prompted(await consentStep(browser, start(client)))).toBe(true);
    const before = idp.hits.get('/auth') ?? 0;
    const silent = await consentStep(browser, start(client), 'none');
    expect(skipped(silent)).toBe(true);
    expect(skipped(await consentStep(browser, start(client), 'same-origin'))).toBe(true);
    // The silent path is a real approval: the flow completes with a code for the client.
    const callbackUrl = await upstreamUser(callback, ALICE).authorize(silent.location!);
    const done = await browser.get(callbackUrl);
    expect(done.location!.startsWith(`${client.redirectUri}?code=`)).toBe(true);
    expect((idp.hits.get('/auth') ?? 0) - before).toBe(1);
  });

  it('C-05: a tampered consent cookie, another client, another redirect URI, a wider scope, another browser → the page', async () => {
    const client = await registerClient(app.origin, {
      extra: { redirect_uris: ['http://127.0.0.1:5555/cb', 'http://127.0.0.1:5555/other'] },
    });
    const browser = await rememberedBrowser(client);
    expect(skipped(await consentStep(browser, start(client), 'none'))).toBe(true);

    const genuine = browser.cookies.get('mcp_auth_consent')!;
    const flipped = `${genuine.slice(0, 10)}${genuine[10] === 'A' ? 'B' : 'A'}${genuine.slice(11)}`;
    browser.cookies.set('mcp_auth_consent', flipped);
    expect(prompted(await consentStep(browser, start(client), 'none'))).toBe(true);
    browser.cookies.set('mcp_auth_consent', genuine);

    const evil = await registerClient(app.origin, { clientName: 'evil1' });
    expect(prompted(await consentStep(browser, start(evil), 'none'))).toBe(true);
    expect(
      prompted(await consentStep(browser, start(client, { redirect_uri: 'http://127.0.0.1:5555/other' }), 'none')),
    ).toBe(true);
    expect(prompted(await consentStep(browser, start(client, { scope: 'openid email profile' }), 'none'))).toBe(true);
    const stranger = new ProxyBrowser();
    stranger.cookies.set('mcp_auth_consent', 'x'.repeat(43));
    expect(prompted(await consentStep(stranger, start(client), 'none'))).toBe(true);
    // A narrower request is covered by the remembered approval.
    expect(skipped(await consentStep(browser, start(client, { scope: 'openid' }), 'none'))).toBe(true);
  });

  it('P-11: revoking the user’s grant of the client (connected apps) forgets its remembered approvals', async () => {
    const client = await registerClient(app.origin);
    const browser = await rememberedBrowser(client);
    const auth = start(client);
    const silent = await consentStep(browser, auth, 'none');
    expect(skipped(silent)).toBe(true);
    const done = await browser.get(await upstreamUser(callback, ALICE).authorize(silent.location!));
    const redirect = new URL(done.location!);
    await redeem(app.origin, { ...auth, redirect, code: redirect.searchParams.get('code')! });
    const { ConnectedAppsService } = await import('../../lib/oauth/grants/connected-apps.service.js');
    const apps = app.app.get(ConnectedAppsService);
    expect(await apps.revokeAll('alice', client.clientId)).toBe(1);
    expect(prompted(await consentStep(browser, start(client), 'none'))).toBe(true);
  });
});

/** With an https issuer every cookie of the flow is `__Host-` prefixed and `Secure` (C-05). */
describe('proxy (level 3): cookies with an https issuer', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;

  beforeAll(async () => {
    const port = await freePort();
    idp = await startOidcUpstream({ redirectUri: `https://127.0.0.1:${port}/oauth/callback` });
    app = await startProxyApp(
      (origin) => ({
        ...oidcProxyModuleOptions(origin, idp, { rememberConsentDays: 1 }),
        resourceUrl: `https://127.0.0.1:${port}/mcp`,
      }),
      { port },
    );
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('C-05: transaction and consent cookies are __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, without Domain', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, `https://127.0.0.1:${app.port}/mcp`, client, { scope: 'openid' });
    const started = await browser.get(auth.url);
    expect(started.status).toBe(302);
    expect(started.location).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/consent\?tx=/);
    expect(started.setCookies).toHaveLength(1);
    expect(started.setCookies[0]).toMatch(
      /^__Host-mcp_auth_tx_[A-Za-z0-9_-]+=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=900; Secure$/,
    );
    // This test speaks plain HTTP to the app behind what would be a TLS terminator.
    const page = await readConsent(browser, new URL(started.location!.replace('https:', 'http:')));
    const approved = await browser.post(page.action.href.replace('https:', 'http:'), {
      csrf_token: page.csrfToken,
      decision: 'approve',
      remember: 'yes',
    });
    expect(approved.status).toBe(303);
    const consent = approved.setCookies.find((c) => c.startsWith('__Host-mcp_auth_consent='));
    expect(consent).toMatch(
      /^__Host-mcp_auth_consent=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=86400; Secure$/,
    );
    for (const cookie of [...started.setCookies, ...approved.setCookies]) expect(cookie).not.toMatch(/domain=/i);
  });
});

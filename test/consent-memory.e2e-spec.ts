import { load } from 'cheerio';
import { HeadlessBrowser, type FormPolicy, type Page } from './helpers/headless-browser.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { startOidcUpstream, type OidcUpstream } from './fakes/oidc-upstream.js';
import { freePort } from './helpers/free-port.js';
import { authorizeIn, exchangeCode, registerClient, type RegisteredClient } from './support/code-flow.js';
import { ConnectedAppsService } from '../lib/oauth/grants/connected-apps.service.js';

/** Signs in as `user`, approves consent (ticking "remember" when asked to) and logs consent pages. */
function consentingUser(user: { username: string; password: string }, remember: boolean) {
  const consentPages: Page[] = [];
  const policy: FormPolicy = (page) => {
    const $ = load(page.html);
    if ($('input[name="password"]').length > 0) {
      return { action: $('input[name="password"]').closest('form').attr('action') ?? '', fields: user };
    }
    const consent = $('form button[value="approve"]').closest('form');
    if (consent.length > 0) {
      consentPages.push(page);
      return {
        action: consent.attr('action') ?? '',
        fields: { decision: 'approve', ...(remember ? { remember: 'yes' } : {}) },
      };
    }
    // The upstream (oidc-provider) pages of level 3.
    const form = $('form').first();
    return form.length ? { action: form.attr('action') ?? '', fields: { login: user.username, ...user } } : undefined;
  };
  return { policy, consentPages };
}

const browserFor = (policy: FormPolicy, site?: string) =>
  new HeadlessBrowser(policy, site === undefined ? {} : { 'sec-fetch-site': site });

/**
 * Policy P-11: consent is asked every time unless `rememberConsentDays` is set; a remembered
 * approval is used only under the conditions pinned here (C-05, C-12).
 */
describe('P-11: remembered consent (level 4)', () => {
  let app: RunningApp;
  let client: RegisteredClient;
  const alice = { username: 'alice', password: 'alice-pw' };
  const bob = { username: 'bob', password: 'bob-pw' };

  beforeAll(async () => {
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      scopesSupported: ['notes:read'],
      server: { users: [alice, bob], rememberConsentDays: 30 },
    }));
    client = await registerClient(app.origin);
  });
  afterAll(async () => app?.close());

  /** One browser that signed in as alice and approved `client` with "remember" ticked. */
  async function rememberedBrowser(site = 'none') {
    const user = consentingUser(alice, true);
    const browser = browserFor(user.policy, site);
    await exchangeCode(app.origin, client, await authorizeIn(browser, app.origin, client));
    expect(user.consentPages).toHaveLength(1);
    return { browser, user };
  }

  it('offers "remember" on the consent page and sets a hardened consent cookie (C-05)', async () => {
    const user = consentingUser(alice, true);
    const browser = browserFor(user.policy, 'none');
    const cookies: string[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const response = await original(input, init);
      cookies.push(...response.headers.getSetCookie().filter((c) => c.startsWith('mcp_auth_consent=')));
      return response;
    };
    try {
      await authorizeIn(browser, app.origin, client);
    } finally {
      globalThis.fetch = original;
    }
    expect(load(user.consentPages[0].html)('input[type="checkbox"][name="remember"]')).toHaveLength(1);
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0].split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(
      expect.arrayContaining(['path=/', 'httponly', 'samesite=lax', `max-age=${30 * 86_400}`]),
    );
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    // The secret itself is never stored: only its hash is (checked in the unit spec).
  });

  it('skips the consent page for a user-initiated navigation (Sec-Fetch-Site: none) in the same browser', async () => {
    const { browser, user } = await rememberedBrowser('none');
    const second = await authorizeIn(browser, app.origin, client);
    expect(user.consentPages).toHaveLength(1);
    const tokens = await exchangeCode(app.origin, client, second);
    expect(tokens.scope).toBe('notes:read');
    expect(second.callback.searchParams.get('iss')).toBe(app.origin);
  });

  it.each([['cross-site'], ['same-site'], [undefined]])(
    'C-12: shows the consent page again when Sec-Fetch-Site is %s (fails closed)',
    async (site) => {
      const { browser, user } = await rememberedBrowser('none');
      (browser.headers as Record<string, string>)['sec-fetch-site'] = site as string;
      if (site === undefined) delete (browser.headers as Record<string, string>)['sec-fetch-site'];
      await authorizeIn(browser, app.origin, client);
      expect(user.consentPages).toHaveLength(2);
    },
  );

  it('asks again for a scope beyond the remembered ones', async () => {
    const { browser, user } = await rememberedBrowser();
    await authorizeIn(browser, app.origin, client, { scope: 'notes:read notes:write' });
    expect(user.consentPages).toHaveLength(2);
  });

  it('C-05: asks again in another browser, with a tampered cookie, for another client or another user', async () => {
    const { browser, user } = await rememberedBrowser();
    // Another browser of the same user.
    const other = consentingUser(alice, false);
    await authorizeIn(browserFor(other.policy, 'none'), app.origin, client);
    expect(other.consentPages).toHaveLength(1);
    // Tampered consent cookie: one character flipped.
    const value = browser.cookieJar.get('mcp_auth_consent') as string;
    browser.cookieJar.set('mcp_auth_consent', `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`);
    await authorizeIn(browser, app.origin, client);
    expect(user.consentPages).toHaveLength(2);
    // A different client presenting this browser's (restored) cookie.
    browser.cookieJar.set('mcp_auth_consent', value);
    const evil = await registerClient(app.origin, { client_name: 'evil' });
    await authorizeIn(browser, app.origin, evil);
    expect(user.consentPages).toHaveLength(3);
  });

  it("is per user at level 4: bob signing in on alice's browser is asked", async () => {
    const { browser } = await rememberedBrowser();
    // Same cookies, but a new sign-in session as bob.
    for (const name of [...browser.cookieJar.keys()]) if (name !== 'mcp_auth_consent') browser.cookieJar.delete(name);
    const bobUser = consentingUser(bob, false);
    const bobBrowser = browserFor(bobUser.policy, 'none');
    bobBrowser.cookieJar.set('mcp_auth_consent', browser.cookieJar.get('mcp_auth_consent') as string);
    await authorizeIn(bobBrowser, app.origin, client);
    expect(bobUser.consentPages).toHaveLength(1);
  });

  it('is forgotten when the client revokes its own token (RFC 7009)', async () => {
    const user = consentingUser(alice, true);
    const browser = browserFor(user.policy, 'none');
    const tokens = await exchangeCode(app.origin, client, await authorizeIn(browser, app.origin, client));
    const revoked = await fetch(`${app.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token as string, client_id: client.clientId }),
    });
    expect(revoked.status).toBe(200);
    await authorizeIn(browser, app.origin, client);
    expect(user.consentPages).toHaveLength(2);
  });

  it('is forgotten when a grant of the client is revoked', async () => {
    const { browser, user } = await rememberedBrowser();
    const apps = app.app.get(ConnectedAppsService);
    expect(await apps.revokeAll('alice', client.clientId)).toBeGreaterThan(0);
    await authorizeIn(browser, app.origin, client);
    expect(user.consentPages).toHaveLength(2);
  });
});

describe('P-11: consent is asked every time by default', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      scopesSupported: ['notes:read'],
      server: { users: [{ username: 'alice', password: 'alice-pw' }] },
    }));
  });
  afterAll(async () => app?.close());

  it('offers no "remember" and ignores a forged remember=yes', async () => {
    const client = await registerClient(app.origin);
    const user = consentingUser({ username: 'alice', password: 'alice-pw' }, true);
    const browser = browserFor(user.policy, 'none');
    await authorizeIn(browser, app.origin, client);
    await authorizeIn(browser, app.origin, client);
    expect(user.consentPages).toHaveLength(2);
    expect(load(user.consentPages[0].html)('input[name="remember"]')).toHaveLength(0);
    expect(browser.cookieJar.has('mcp_auth_consent')).toBe(false);
  });
});

describe('P-11: remembered consent at level 3 (proxy) is per browser and still goes upstream', () => {
  let app: RunningApp;
  let upstream: OidcUpstream;
  beforeAll(async () => {
    const port = await freePort();
    upstream = await startOidcUpstream({ redirectUri: `http://127.0.0.1:${port}/oauth/callback` });
    app = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        scopesSupported: ['openid'],
        proxy: {
          rememberConsentDays: 7,
          upstream: {
            provider: 'oidc',
            issuer: upstream.issuer,
            clientId: upstream.clientId,
            clientSecret: upstream.clientSecret,
          },
        },
      }),
      { port },
    );
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  it('C-01 still holds: a new client gets the consent page; the remembered one goes straight upstream', async () => {
    const client = await registerClient(app.origin);
    const user = consentingUser({ username: 'alice', password: 'wonderland' }, true);
    const browser = browserFor(user.policy, 'none');
    await exchangeCode(app.origin, client, await authorizeIn(browser, app.origin, client));
    const visitedBefore = browser.visited.length;
    await exchangeCode(app.origin, client, await authorizeIn(browser, app.origin, client));
    expect(user.consentPages).toHaveLength(1);
    // The second authorization still went through the upstream identity provider.
    expect(browser.visited.slice(visitedBefore).some((line) => line.includes(upstream.issuer))).toBe(true);
    const evil = await registerClient(app.origin, { client_name: 'evil' });
    await authorizeIn(browser, app.origin, evil);
    expect(user.consentPages).toHaveLength(2);
  });
});

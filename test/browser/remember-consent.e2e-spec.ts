import { jest } from '@jest/globals';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { startMcpApp, type RunningApp } from '../helpers/mcp-app.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { OtherSite } from './support/other-site.js';
import { PkceClient } from './support/pkce-client.js';
import { RedirectReceiver } from './support/redirect-receiver.js';

jest.setTimeout(30_000);

const REMEMBER = 'Remember this decision for this application';

/**
 * "Remember my decision" (policy P-11, `rememberConsentDays`) with the `Sec-Fetch-Site` header
 * as Chromium really sends it: a remembered approval skips the consent page only for a
 * navigation the user started (typed, bookmarked, opened by the native MCP client: `none`);
 * a link from another site, even one on the same host, shows the page again (C-12).
 */
describe('browser: remembered consent (level 4)', () => {
  let chromium: LaunchedChromium;
  let app: RunningApp;
  let receiver: RedirectReceiver;
  let other: OtherSite;
  let client: PkceClient;

  beforeAll(async () => {
    [chromium, receiver, other] = await Promise.all([
      launchChromium(),
      new RedirectReceiver().start(),
      new OtherSite().start(),
    ]);
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      scopesSupported: ['notes:read'],
      server: {
        users: [{ username: 'demo', password: 'demo', scopes: ['notes:read', 'notes:write'] }],
        rememberConsentDays: 30,
      },
    }));
    client = await PkceClient.register({
      issuer: app.origin,
      resource: app.mcpUrl,
      redirectUri: receiver.redirectUri,
      clientName: 'Notes Desktop',
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await receiver?.stop();
    await other?.stop();
  });

  let context: BrowserContext;
  let page: Page;
  beforeEach(async () => {
    context = await chromium.browser.newContext();
    context.setDefaultTimeout(8000);
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const landedAtClient = (url: URL) => url.href.startsWith(receiver.redirectUri);

  /** Signs in and approves with "remember" ticked, from a typed navigation. */
  async function approveAndRemember(): Promise<void> {
    const request = client.authorization(['notes:read']);
    await page.goto(request.url.href);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/consent');
    await page.getByLabel(REMEMBER).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(landedAtClient);
    expect(new URL(page.url()).searchParams.get('code')).toEqual(expect.any(String));
  }

  /** Starts an authorization by following a link on the other site; returns what Chromium sent. */
  async function followLink(site: 'same-site' | 'cross-site', scopes = ['notes:read']) {
    const request = client.authorization(scopes);
    await page.goto(other.linking(request.url.href, site));
    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/authorize');
    await page.getByRole('link', { name: 'Connect' }).click();
    const authorize: Request = await sent;
    await page.waitForLoadState();
    return { request, secFetchSite: (await authorize.allHeaders())['sec-fetch-site'] };
  }

  it('the remember option is a labelled checkbox, reached by Tab before the buttons', async () => {
    await page.goto(client.authorization(['notes:read']).url.href);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === '/consent');
    const remember = page.getByRole('checkbox', { name: REMEMBER });
    expect(await remember.isChecked()).toBe(false);
    await page.mouse.click(2, 2);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      order.push(
        await page.evaluate<string>(`document.activeElement.getAttribute('type') + ':' + document.activeElement.value`),
      );
    }
    expect(order).toEqual(['checkbox:yes', 'submit:approve', 'submit:deny']);
  });

  it('C-12: after "remember", a navigation the user starts skips the consent page and the code works', async () => {
    await approveAndRemember();

    const again = client.authorization(['notes:read']);
    const consentPages: string[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/consent' && response.status() === 200)
        consentPages.push(response.url());
    });
    const sent = page.waitForRequest((r) => new URL(r.url()).pathname === '/authorize');
    await page.goto(again.url.href);
    expect((await (await sent).allHeaders())['sec-fetch-site']).toBe('none');
    expect(landedAtClient(new URL(page.url()))).toBe(true);
    expect(consentPages).toEqual([]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(again.state);
    expect(landed.searchParams.get('iss')).toBe(client.metadata.issuer);
    const exchanged = await client.exchange(landed.searchParams.get('code')!, again.codeVerifier);
    expect(exchanged).toMatchObject({ status: 200, body: { scope: 'notes:read' } });
  });

  it.each(['cross-site', 'same-site'] as const)(
    'C-12: a link from another site (%s) still shows the consent page',
    async (site) => {
      await approveAndRemember();
      const received = receiver.received.length;

      const { secFetchSite } = await followLink(site);
      expect(secFetchSite).toBe(site);
      expect(new URL(page.url()).pathname).toBe('/consent');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toContain('Allow Notes Desktop');
      expect(receiver.received.length).toBe(received);
    },
  );

  it('a scope beyond the remembered one shows the page again, even from a typed navigation', async () => {
    await approveAndRemember();
    await page.goto(client.authorization(['notes:read', 'notes:write']).url.href);
    expect(new URL(page.url()).pathname).toBe('/consent');
  });

  it('another browser of the same user is asked again', async () => {
    await approveAndRemember();
    const second = await chromium.browser.newContext();
    try {
      const otherPage = await second.newPage();
      await otherPage.goto(client.authorization(['notes:read']).url.href);
      await otherPage.getByLabel('Username').fill('demo');
      await otherPage.getByLabel('Password').fill('demo');
      await otherPage.getByRole('button', { name: 'Sign in' }).click();
      await otherPage.waitForURL((url) => url.pathname === '/consent' || landedAtClient(url));
      expect(new URL(otherPage.url()).pathname).toBe('/consent');
    } finally {
      await second.close();
    }
  });

  it('without "remember" ticked, the next typed navigation asks again', async () => {
    await page.goto(client.authorization(['notes:read']).url.href);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(landedAtClient);

    await page.goto(client.authorization(['notes:read']).url.href);
    expect(new URL(page.url()).pathname).toBe('/consent');
  });
});

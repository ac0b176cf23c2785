import { jest } from '@jest/globals';
import type { BrowserContext, Page } from 'playwright-core';
import { connectV2 } from '../helpers/clients.js';
import { freePort } from '../helpers/free-port.js';
import { startMcpApp, type RunningApp } from '../helpers/mcp-app.js';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { launchChromium, saveScreenshot, type LaunchedChromium } from './support/chromium.js';
import { PageMonitor } from './support/page-monitor.js';
import { PkceClient } from './support/pkce-client.js';
import { RedirectReceiver } from './support/redirect-receiver.js';

jest.setTimeout(30_000);

const CLIENT_NAME = 'Notes Desktop (browser test)';

/**
 * Level 3 in a real browser: an MCP client registered over HTTP sends Debian's Chromium to the
 * proxy's /authorize; the user sees the proxy's consent page, approves (or denies), signs in at
 * the upstream identity provider (panva's oidc-provider, a non-DCR provider with one static
 * client) and lands on the client's loopback redirect URI.
 */
describe('browser: OAuth proxy consent (level 3)', () => {
  let chromium: LaunchedChromium;
  let idp: OidcUpstream;
  let app: RunningApp;
  let receiver: RedirectReceiver;
  let client: PkceClient;

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    [chromium, idp, receiver] = await Promise.all([
      launchChromium(),
      startOidcUpstream({ redirectUri: `${origin}/oauth/callback` }),
      new RedirectReceiver().start(),
    ]);
    app = await startMcpApp(
      () => ({
        resourceUrl: `${origin}/mcp`,
        proxy: {
          upstream: {
            provider: 'oidc',
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            forwardResource: false,
          },
        },
      }),
      { port },
    );
    client = await PkceClient.register({
      issuer: app.origin,
      resource: app.mcpUrl,
      redirectUri: receiver.redirectUri,
      clientName: CLIENT_NAME,
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await idp?.close();
    await receiver?.stop();
  });

  let context: BrowserContext;
  let page: Page;
  let monitor: PageMonitor;
  beforeEach(async () => {
    context = await chromium.browser.newContext();
    context.setDefaultTimeout(8000);
    monitor = await PageMonitor.watch(context);
    page = await context.newPage();
  });
  afterEach(() => context.close());

  /** Signs in at the upstream (and approves its own consent prompt if it shows one). */
  async function upstreamSignIn(): Promise<void> {
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.locator('input[name="username"]').fill('alice');
    await page.locator('input[name="password"]').fill('wonderland');
    const loginPage = page.url();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href !== loginPage);
    if (new URL(page.url()).origin === idp.issuer) await page.getByRole('button', { name: 'Allow' }).click();
  }

  it('C-02, C-01: approve → upstream sign-in → code, state and iss at the redirect URI; the token works at /mcp', async () => {
    const request = client.authorization(['notes:read']);
    const authHits = idp.hits.get('/auth') ?? 0;
    await page.goto(request.url.href);

    // Our consent page, before anything went upstream (confused-deputy rule).
    expect(new URL(page.url()).origin).toBe(app.origin);
    expect(new URL(page.url()).pathname).toBe('/consent');
    expect(idp.hits.get('/auth') ?? 0).toBe(authHits);
    await expect(page.title()).resolves.toBe('Allow access?');
    const heading = page.getByRole('heading', { level: 1 });
    expect(await heading.innerText()).toBe(`Allow ${CLIENT_NAME} to access ${app.mcpUrl}?`);
    // The redirect host, and the exact redirect URI the code will go to.
    expect(await page.locator('.host').innerText()).toBe('127.0.0.1');
    expect(await page.locator('p code').innerText()).toBe(receiver.redirectUri);
    const main = await page.getByRole('main').innerText();
    expect(await page.getByRole('listitem').allInnerTexts()).toEqual(['notes:read']);
    expect(main).toContain('You will then sign in with your identity provider.');
    await saveScreenshot(page, 'proxy-consent');
    expect(monitor.consoleErrors).toEqual([]);
    expect(monitor.cspViolations).toEqual([]);
    expect(monitor.foreignRequests(app.origin)).toEqual([]);

    await page.getByRole('button', { name: 'Allow' }).click();
    await upstreamSignIn();
    await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));

    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(request.state);
    expect(landed.searchParams.get('iss')).toBe(client.metadata.issuer);
    expect(landed.searchParams.get('error')).toBeNull();
    const code = landed.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    // The browser went: our consent → upstream → our callback → the client; never the reverse.
    expect(idp.hits.get('/auth') ?? 0).toBe(authHits + 1);

    const exchanged = await client.exchange(code!, request.codeVerifier);
    expect(exchanged.status).toBe(200);
    expect(exchanged.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    const mcp = await connectV2(app.mcpUrl, exchanged.body.access_token as string);
    try {
      const result = await mcp.callTool({ name: 'whoami', arguments: {} });
      expect(result.structuredContent ?? JSON.parse((result.content as Array<{ text: string }>)[0].text)).toMatchObject(
        {
          sub: expect.any(String),
          clientId: client.clientId,
          scopes: ['notes:read'],
        },
      );
    } finally {
      await mcp.close();
    }
    // The code was single use.
    expect((await client.exchange(code!, request.codeVerifier)).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('C-10, C-04: deny → access_denied with state and iss; the upstream is never contacted and no code exists', async () => {
    const request = client.authorization(['notes:read']);
    const before = { auth: idp.hits.get('/auth') ?? 0, token: idp.hits.get('/token') ?? 0 };
    const landedBefore = receiver.received.length;
    await page.goto(request.url.href);
    expect(new URL(page.url()).pathname).toBe('/consent');

    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));

    const landed = new URL(page.url());
    expect(Object.fromEntries(landed.searchParams)).toEqual({
      error: 'access_denied',
      error_description: expect.any(String),
      state: request.state,
      iss: client.metadata.issuer,
    });
    expect(receiver.received.length).toBe(landedBefore + 1);
    expect(idp.hits.get('/auth') ?? 0).toBe(before.auth);
    expect(idp.hits.get('/token') ?? 0).toBe(before.token);
    // Going back does not bring the decision back: the transaction is gone (C-04).
    const back = await page.goBack();
    expect(back?.status()).toBe(400);
    expect(await page.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('alert').innerText()).toMatch(/expired|another browser/);
    expect(idp.hits.get('/auth') ?? 0).toBe(before.auth);
  });
});

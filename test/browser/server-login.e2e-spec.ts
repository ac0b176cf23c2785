import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { BrowserContext, Page } from 'playwright-core';
import { AuthorizationServerAppModule } from '../../sample/05-authorization-server/app.module.js';
import { sampleSettings } from '../../sample/05-authorization-server/settings.js';
import { connectV2 } from '../helpers/clients.js';
import { freePort } from '../helpers/free-port.js';
import { launchChromium, saveScreenshot, type LaunchedChromium } from './support/chromium.js';
import { PkceClient } from './support/pkce-client.js';
import { RedirectReceiver } from './support/redirect-receiver.js';

jest.setTimeout(30_000);

const CLIENT_NAME = 'Notes Desktop (browser test)';

/**
 * Level 4 in a real browser, on sample 05 (what `npm start` runs): Chromium signs in on the
 * server's own login page as a demo user, approves the consent page, and lands on the client's
 * loopback redirect URI with a code that the client redeems and uses at /mcp.
 */
describe('browser: sample 05 sign-in and consent (level 4)', () => {
  let chromium: LaunchedChromium;
  let app: INestApplication;
  let mcpUrl: string;
  let receiver: RedirectReceiver;
  let client: PkceClient;

  beforeAll(async () => {
    const settings = sampleSettings({ PORT: String(await freePort()) });
    [chromium, receiver] = await Promise.all([launchChromium(), new RedirectReceiver().start()]);
    app = await NestFactory.create(AuthorizationServerAppModule.forSettings(settings), { logger: false });
    await app.listen(settings.port, settings.host);
    mcpUrl = settings.resourceUrl;
    client = await PkceClient.register({
      issuer: new URL(mcpUrl).origin,
      resource: mcpUrl,
      redirectUri: receiver.redirectUri,
      clientName: CLIENT_NAME,
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await receiver?.stop();
  });

  let context: BrowserContext;
  let page: Page;
  beforeEach(async () => {
    context = await chromium.browser.newContext();
    context.setDefaultTimeout(8000);
    page = await context.newPage();
  });
  afterEach(() => context.close());

  const path = () => new URL(page.url()).pathname;

  it('signs in as demo, approves, and the code works at /mcp', async () => {
    const request = client.authorization(['notes:read']);
    await page.goto(request.url.href);

    expect(path()).toBe('/login');
    await expect(page.title()).resolves.toBe('Sign in');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Sign in to continue to ${CLIENT_NAME}`);
    await saveScreenshot(page, 'server-login');
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL((url) => url.pathname === '/consent');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Allow ${CLIENT_NAME} to access ${mcpUrl}?`);
    expect(await page.locator('p code').innerText()).toBe(receiver.redirectUri);
    expect(await page.getByRole('listitem').allInnerTexts()).toEqual(['notes:read']);
    await saveScreenshot(page, 'server-consent');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(request.state);
    expect(landed.searchParams.get('iss')).toBe(client.metadata.issuer);
    const code = landed.searchParams.get('code');
    expect(code).toEqual(expect.any(String));

    const exchanged = await client.exchange(code!, request.codeVerifier);
    expect(exchanged).toMatchObject({ status: 200, body: { token_type: 'Bearer', scope: 'notes:read' } });
    const mcp = await connectV2(mcpUrl, exchanged.body.access_token as string);
    try {
      const result = await mcp.callTool({ name: 'whoami', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'You are demo, with scopes: notes:read' }]);
    } finally {
      await mcp.close();
    }
  });

  it('a signed-in browser goes straight to consent the next time; a new browser signs in again', async () => {
    const first = client.authorization(['notes:read']);
    await page.goto(first.url.href);
    await page.getByLabel('Username').fill('reader');
    await page.getByLabel('Password').fill('reader');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));

    // Same browser: the sign-in session is reused, consent is asked again (per authorization).
    const second = client.authorization(['notes:read']);
    await page.goto(second.url.href);
    expect(path()).toBe('/consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(second.state);
    const exchanged = await client.exchange(landed.searchParams.get('code')!, second.codeVerifier);
    expect(exchanged.status).toBe(200);
    const mcp = await connectV2(mcpUrl, exchanged.body.access_token as string);
    try {
      const result = await mcp.callTool({ name: 'whoami', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'You are reader, with scopes: notes:read' }]);
    } finally {
      await mcp.close();
    }

    // Another browser has no session.
    const other = await chromium.browser.newContext();
    try {
      const otherPage = await other.newPage();
      await otherPage.goto(client.authorization(['notes:read']).url.href);
      expect(new URL(otherPage.url()).pathname).toBe('/login');
    } finally {
      await other.close();
    }
  });

  it('AS-06: a wrong password keeps the user on the login page with a generic error; nothing reaches the client', async () => {
    const received = receiver.received.length;
    const request = client.authorization(['notes:read']);
    await page.goto(request.url.href);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('not-the-password');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(response.status()).toBe(401);
    await page.waitForLoadState();
    expect(path()).toBe('/login');
    expect(await page.getByRole('alert').innerText()).toBe(
      'The username or password is incorrect, or too many attempts were made. Try again later.',
    );
    // The username is kept, the password is not.
    await expect(page.getByLabel('Username').inputValue()).resolves.toBe('demo');
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');
    expect(receiver.received.length).toBe(received);
  });
});

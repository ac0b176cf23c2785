import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { BrowserContext, Page } from 'playwright-core';
import { RemoteOAuthAppModule } from '../../sample/02-remote-oauth/app.module.js';
import {
  startDevIdentityProvider,
  type DevIdentityProvider,
} from '../../sample/02-remote-oauth/dev-identity-provider.js';
import { OidcProxyAppModule } from '../../sample/04-oidc-proxy/app.module.js';
import {
  startBundledIdentityProvider,
  type BundledIdentityProvider,
} from '../../sample/04-oidc-proxy/identity-provider.js';
import { sampleSettings } from '../../sample/04-oidc-proxy/settings.js';
import { connectV2 } from '../helpers/clients.js';
import { freePort } from '../helpers/free-port.js';
import { launchChromium, type LaunchedChromium } from './support/chromium.js';
import { PageMonitor } from './support/page-monitor.js';
import { PkceClient } from './support/pkce-client.js';
import { RedirectReceiver } from './support/redirect-receiver.js';

jest.setTimeout(30_000);

/**
 * The samples whose sign-in happens at a bundled identity provider, as their READMEs run them,
 * in a real browser. Every form on the way ends in a redirect to another origin (the provider
 * to the proxy's callback or to the client), which is where a `form-action` CSP on any of these
 * pages makes Chromium drop the redirect.
 */
describe('browser: samples with a bundled identity provider', () => {
  let chromium: LaunchedChromium;
  let receiver: RedirectReceiver;

  beforeAll(async () => {
    [chromium, receiver] = await Promise.all([launchChromium(), new RedirectReceiver().start()]);
  });
  afterAll(async () => {
    await chromium?.close();
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

  const atClient = (url: URL) => url.href.startsWith(receiver.redirectUri);

  /** Signs in as demo/demo on the provider's page, and approves its consent page if it shows one. */
  async function providerSignIn(providerOrigin: string): Promise<void> {
    await page.waitForURL((url) => url.origin === providerOrigin);
    await page.getByLabel('User').fill('demo');
    await page.getByLabel('Password').fill('demo');
    const loginPage = page.url();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href !== loginPage);
    if (new URL(page.url()).origin === providerOrigin) await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(atClient);
  }

  /** Redeems the code the browser brought back and lists the tools with the token. */
  async function expectCodeWorksAtMcp(
    client: PkceClient,
    request: { state: string; codeVerifier: string },
    mcpUrl: string,
  ) {
    expect(monitor.cspViolations).toEqual([]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('state')).toBe(request.state);
    expect(landed.searchParams.get('iss')).toBe(client.metadata.issuer);
    const exchanged = await client.exchange(landed.searchParams.get('code')!, request.codeVerifier);
    expect(exchanged.status).toBe(200);
    const mcp = await connectV2(mcpUrl, exchanged.body.access_token as string);
    try {
      expect((await mcp.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await mcp.close();
    }
  }

  describe('sample 02 (remote OAuth, level 2)', () => {
    let idp: DevIdentityProvider;
    let app: INestApplication;
    let mcpUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      mcpUrl = `http://127.0.0.1:${port}/mcp`;
      idp = await startDevIdentityProvider({ port: 0, resources: [mcpUrl] });
      app = await NestFactory.create(
        RemoteOAuthAppModule.forConfig(mcpUrl, { provider: 'generic', issuer: idp.issuer, mirrorMetadata: true }),
        { logger: false },
      );
      await app.listen(port, '127.0.0.1');
    });
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });

    it('discovered from the MCP server, sign-in and consent at the provider, then a code that works at /mcp', async () => {
      const prm = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', mcpUrl))).json()) as {
        authorization_servers: string[];
      };
      const client = await PkceClient.register({
        issuer: prm.authorization_servers[0],
        resource: mcpUrl,
        redirectUri: receiver.redirectUri,
        clientName: 'Notes Desktop',
      });
      const request = client.authorization(['notes:read']);
      await page.goto(request.url.href);
      await providerSignIn(new URL(idp.issuer).origin);
      await expectCodeWorksAtMcp(client, request, mcpUrl);
    });
  });

  describe('sample 04 (OIDC proxy, level 3)', () => {
    let idp: BundledIdentityProvider;
    let app: INestApplication;
    let mcpUrl: string;
    let client: PkceClient;

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
      client = await PkceClient.register({
        issuer: new URL(mcpUrl).origin,
        resource: mcpUrl,
        redirectUri: receiver.redirectUri,
        clientName: 'Notes Desktop',
      });
    });
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });

    it('the proxy’s consent, sign-in and consent at the provider, then a code that works at /mcp', async () => {
      const request = client.authorization([]);
      await page.goto(request.url.href);
      expect(new URL(page.url()).pathname).toBe('/consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      await providerSignIn(new URL(idp.issuer).origin);
      await expectCodeWorksAtMcp(client, request, mcpUrl);
    });
  });
});

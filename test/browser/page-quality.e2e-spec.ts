import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { AuthorizationServerAppModule } from '../../sample/05-authorization-server/app.module.js';
import { sampleSettings } from '../../sample/05-authorization-server/settings.js';
import { freePort } from '../helpers/free-port.js';
import { launchChromium, saveScreenshot, type LaunchedChromium } from './support/chromium.js';
import { OtherSite } from './support/other-site.js';
import { PageMonitor } from './support/page-monitor.js';
import { PkceClient } from './support/pkce-client.js';
import { RedirectReceiver } from './support/redirect-receiver.js';

jest.setTimeout(30_000);

const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

/** The focused element, described for focus-order assertions (a string: no DOM types here). */
const FOCUSED = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return 'body';
  const label = e.labels && e.labels[0] ? e.labels[0].textContent : e.textContent;
  return e.tagName.toLowerCase() + ':' + (label || '').trim();
})()`;

/**
 * The login and consent pages as a browser experiences them (sample 05, level 4; the proxy
 * renders the same consent page): nothing fails in the console, nothing violates the CSP,
 * nothing loads from another origin, framing is refused, every control is labelled, focus order
 * and keyboard-only use work, and a hostile client name stays text.
 */
describe('browser: login and consent page quality', () => {
  let chromium: LaunchedChromium;
  let app: INestApplication;
  let origin: string;
  let receiver: RedirectReceiver;
  let framer: OtherSite;
  let client: PkceClient;

  beforeAll(async () => {
    const settings = sampleSettings({ PORT: String(await freePort()) });
    [chromium, receiver, framer] = await Promise.all([
      launchChromium(),
      new RedirectReceiver().start(),
      new OtherSite().start(),
    ]);
    app = await NestFactory.create(AuthorizationServerAppModule.forSettings(settings), { logger: false });
    await app.listen(settings.port, settings.host);
    origin = new URL(settings.resourceUrl).origin;
    client = await PkceClient.register({
      issuer: origin,
      resource: settings.resourceUrl,
      redirectUri: receiver.redirectUri,
      clientName: 'Notes Desktop',
    });
  });

  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await receiver?.stop();
    await framer?.stop();
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

  /** Opens the login page of a new authorization by `who`. */
  async function openLogin(who = client): Promise<void> {
    await page.goto(who.authorization(['notes:read']).url.href);
    expect(new URL(page.url()).pathname).toBe('/login');
  }

  /** Signs in (mouse and keyboard both fine here) and waits for the consent page. */
  async function openConsent(who = client): Promise<void> {
    await openLogin(who);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/consent');
  }

  /** The accessible tree Chromium computes for the page (what a screen reader gets). */
  async function accessibleControls(): Promise<Array<{ role: string; name: string }>> {
    const cdp = await context.newCDPSession(page);
    try {
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: Array<{ ignored: boolean; role?: { value: string }; name?: { value: string } }>;
      };
      return nodes
        .filter(
          (n) => !n.ignored && ['textbox', 'checkbox', 'button', 'combobox', 'radio'].includes(n.role?.value ?? ''),
        )
        .map((n) => ({ role: n.role!.value, name: (n.name?.value ?? '').trim() }));
    } finally {
      await cdp.detach();
    }
  }

  /** Moves the sequential focus starting point to the top of the document, then tabs `count` times. */
  async function tabOrder(count: number): Promise<string[]> {
    await page.mouse.click(2, 2);
    const order: string[] = [];
    for (let i = 0; i < count; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate<string>(FOCUSED));
    }
    return order;
  }

  describe('A-20: console, CSP and requests', () => {
    it('login and consent load with no console error, no CSP violation and no request to another origin', async () => {
      await openConsent();
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));

      expect(monitor.consoleErrors).toEqual([]);
      expect(monitor.pageErrors).toEqual([]);
      expect(monitor.cspViolations).toEqual([]);
      // Everything came from the app, but the final navigation to the client.
      expect(monitor.foreignRequests(origin)).toEqual([expect.stringMatching(`^${receiver.redirectUri}\\?code=`)]);
      expect(monitor.requests.filter((url) => url.startsWith(origin)).map((url) => new URL(url).pathname)).toEqual(
        expect.arrayContaining(['/authorize', '/login', '/consent']),
      );
    });

    it('the monitor does see a violation when one happens (control)', async () => {
      await openLogin();
      expect(monitor.cspViolations).toEqual([]);
      // An inline style that is not the page's hashed one is refused by the page's CSP.
      await page.evaluate(`(() => {
        const style = document.createElement('style');
        style.textContent = 'body { background: red }';
        document.head.append(style);
      })()`);
      // The event is dispatched asynchronously; a round trip through the page lets it arrive.
      await page.evaluate('new Promise((resolve) => setTimeout(resolve, 0))');
      expect(monitor.cspViolations[0]).toMatchObject({ directive: 'style-src-elem' });
    });
  });

  describe('C-09: framing from another origin is refused', () => {
    /** Loads `target` in an iframe of the other site; returns the child frame once it settled. */
    async function framed(target: string): Promise<{ frame: Frame; served: boolean }> {
      const served = page
        .waitForResponse((r) => r.url() === target)
        .then(
          () => true,
          () => false,
        );
      await page.goto(framer.framing(target));
      await page.locator('#target').waitFor();
      const frame = await (await page.locator('#target').elementHandle())!.contentFrame();
      await frame!.waitForLoadState();
      return { frame: frame!, served: await served };
    }

    /** Whether the framed document shows the page's form (or is the browser's blocked placeholder). */
    async function rendersForm(frame: Frame): Promise<boolean> {
      try {
        return await frame.evaluate<boolean>(`document.querySelector('form') !== null`);
      } catch {
        return false;
      }
    }

    /** Serves the app's pages with some of their headers removed (what a browser without a feature sees). */
    async function stripHeaders(...names: string[]): Promise<void> {
      await page.route(
        (url) => url.origin === origin,
        async (route) => {
          const response = await route.fetch({ maxRedirects: 0 });
          const headers = { ...response.headers() };
          for (const name of names) delete headers[name];
          await route.fulfill({ response, headers });
        },
      );
    }

    it.each(['login', 'consent'] as const)('the %s page does not render inside another site', async (which) => {
      if (which === 'login') await openLogin();
      else await openConsent();
      const target = page.url();
      const { frame, served } = await framed(target);
      expect(served).toBe(true);
      expect(await rendersForm(frame)).toBe(false);
      expect(monitor.consoleErrors.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
    });

    it('X-Frame-Options DENY alone still refuses it (browsers without frame-ancestors)', async () => {
      await openConsent();
      const target = page.url();
      await stripHeaders('content-security-policy');
      const { frame, served } = await framed(target);
      expect(served).toBe(true);
      expect(await rendersForm(frame)).toBe(false);
      expect(monitor.consoleErrors.join('\n')).toMatch(/X-Frame-Options.*deny/i);
    });

    it('without both headers the same page does render in the frame (control: the check can fail)', async () => {
      await openConsent();
      const target = page.url();
      await stripHeaders('content-security-policy', 'x-frame-options');
      const { frame } = await framed(target);
      expect(await rendersForm(frame)).toBe(true);
    });
  });

  describe('accessibility: labels and focus order', () => {
    it('login: every control has an accessible name, and getByLabel finds the fields', async () => {
      await openLogin();
      expect(await accessibleControls()).toEqual([
        { role: 'textbox', name: 'Username' },
        { role: 'textbox', name: 'Password' },
        { role: 'button', name: 'Sign in' },
      ]);
      // The labels are real <label for> associations: clicking one focuses its field.
      await page.getByText('Password', { exact: true }).click();
      expect(await page.evaluate<string>(FOCUSED)).toBe('input:Password');
      expect(await page.getByLabel('Username').getAttribute('autocomplete')).toBe('username');
      expect(await page.getByLabel('Password').getAttribute('autocomplete')).toBe('current-password');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.getByRole('main').count()).toBe(1);
    });

    it('consent: every control has an accessible name', async () => {
      await openConsent();
      const controls = await accessibleControls();
      expect(controls.every((c) => c.name.length > 0)).toBe(true);
      expect(controls).toEqual([
        { role: 'button', name: 'Allow' },
        { role: 'button', name: 'Deny' },
      ]);
      expect(await page.locator('input:not([type=hidden]), select, textarea').count()).toBe(0);
      expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
    });

    it('login: the username has focus on arrival; Tab goes username → password → Sign in', async () => {
      await openLogin();
      expect(await page.evaluate<string>(FOCUSED)).toBe('input:Username');
      expect(await tabOrder(3)).toEqual(['input:Username', 'input:Password', 'button:Sign in']);
    });

    it('consent: Tab reaches Allow then Deny', async () => {
      await openConsent();
      expect(await tabOrder(2)).toEqual(['button:Allow', 'button:Deny']);
    });
  });

  describe('keyboard only', () => {
    const USERNAME_FOCUSED =
      "document.activeElement !== null && document.activeElement.getAttribute('name') === 'username'";
    it('type, Tab, type, Enter signs in; Tab and Enter on Allow finishes with a code', async () => {
      const request = client.authorization(['notes:read']);
      await page.goto(request.url.href);
      // Type only once the autofocus has landed, or the first keys go nowhere.
      await page.waitForFunction(USERNAME_FOCUSED);
      await page.keyboard.type('demo');
      await page.keyboard.press('Tab');
      await page.keyboard.type('demo');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/consent');

      await tabOrder(1);
      expect(await page.evaluate<string>(FOCUSED)).toBe('button:Allow');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));
      const landed = new URL(page.url());
      expect(landed.searchParams.get('state')).toBe(request.state);
      const exchanged = await client.exchange(landed.searchParams.get('code')!, request.codeVerifier);
      expect(exchanged.status).toBe(200);
    });

    it('Tab, Tab and Space on Deny denies', async () => {
      const request = client.authorization(['notes:read']);
      await page.goto(request.url.href);
      // Type only once the autofocus has landed, or the first keys go nowhere.
      await page.waitForFunction(USERNAME_FOCUSED);
      await page.keyboard.type('demo');
      await page.keyboard.press('Tab');
      await page.keyboard.type('demo');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/consent');

      expect(await tabOrder(2)).toEqual(['button:Allow', 'button:Deny']);
      await page.keyboard.press('Space');
      await page.waitForURL((url) => url.href.startsWith(receiver.redirectUri));
      const landed = new URL(page.url());
      expect(landed.searchParams.get('error')).toBe('access_denied');
      expect(landed.searchParams.get('state')).toBe(request.state);
      expect(landed.searchParams.get('code')).toBeNull();
    });
  });

  describe('C-07: a hostile client name', () => {
    let hostile: PkceClient;
    beforeAll(async () => {
      hostile = await PkceClient.register({
        issuer: origin,
        resource: client.resource,
        redirectUri: receiver.redirectUri,
        clientName: HOSTILE_NAME,
      });
    });

    it('is shown as text on the login and consent pages; no element is created and no dialog fires', async () => {
      await openLogin(hostile);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Sign in to continue to ${HOSTILE_NAME}`);
      expect(await page.locator('img').count()).toBe(0);

      await page.getByLabel('Username').fill('demo');
      await page.getByLabel('Password').fill('demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/consent');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(
        `Allow ${HOSTILE_NAME} to access ${client.resource}?`,
      );
      // Isolated from the surrounding text's direction (C-08).
      expect(await page.locator('h1 bdi').innerText()).toBe(HOSTILE_NAME);
      expect(await page.locator('img').count()).toBe(0);
      await saveScreenshot(page, 'consent-hostile-client-name');

      expect(monitor.dialogs).toEqual([]);
      expect(monitor.cspViolations).toEqual([]);
      expect(monitor.consoleErrors).toEqual([]);
      expect(monitor.requests.filter((url) => new URL(url).pathname === '/x')).toEqual([]);
    });

    it('the dialog monitor does catch a dialog when one fires (control)', async () => {
      await openLogin(hostile);
      await page.evaluate('alert(1)');
      expect(monitor.dialogs).toEqual(['alert: 1']);
    });
  });
});

import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { load } from 'cheerio';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { HeadlessBrowser, type FormPolicy } from './helpers/headless-browser.js';
import { freePort } from './helpers/free-port.js';
import { authorizeIn, exchangeCode, registerClient } from './support/code-flow.js';

const users = [{ username: 'alice', password: 'alice-pw' }];

/** Fixes found by the level-4 suite, pinned. */
describe('authorization server edges (level 4)', () => {
  describe('an issuer with a path and no baseUrl', () => {
    let app: RunningApp;
    let issuer: string;
    beforeAll(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}/tenant`;
      app = await startMcpApp((origin) => ({ resourceUrl: `${origin}/mcp`, server: { issuerUrl: issuer, users } }), {
        port,
      });
    });
    afterAll(async () => app?.close());

    it('M-05: serves every endpoint where its metadata advertises it, and a whole flow works there', async () => {
      const metadata = (await (
        await fetch(`${app.origin}/.well-known/oauth-authorization-server/tenant`)
      ).json()) as Record<string, string>;
      expect(metadata.token_endpoint).toBe(`${issuer}/token`);
      for (const endpoint of ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
        const response = await fetch(metadata[endpoint], { method: 'POST' });
        expect(response.status).not.toBe(404);
      }
      expect((await fetch(metadata.jwks_uri)).status).toBe(200);
      // Nothing at the bare paths: they would belong to another issuer.
      expect((await fetch(`${app.origin}/token`, { method: 'POST' })).status).toBe(404);

      const registration = await fetch(metadata.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:9/cb'], token_endpoint_auth_method: 'none' }),
      });
      expect(registration.status).toBe(201);
      const client = {
        clientId: ((await registration.json()) as { client_id: string }).client_id,
        redirectUri: 'http://127.0.0.1:9/cb',
      };
      const browser = new HeadlessBrowser((page) => {
        const $ = load(page.html);
        if ($('input[name="password"]').length) return { action: '/tenant/login', fields: users[0] };
        return { action: '/tenant/consent', fields: { decision: 'approve' } };
      });
      const flow = await authorizeIn(browser, `${app.origin}/tenant`, client);
      expect(flow.callback.searchParams.get('iss')).toBe(issuer);
      const tokens = await exchangeCode(`${app.origin}/tenant`, client, flow);
      const mcp = await fetch(app.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(mcp.status).toBe(200);
    });
  });

  describe('defaults', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startMcpApp((origin) => ({
        resourceUrl: `${origin}/mcp`,
        server: { users, clientIdMetadataDocuments: {} },
      }));
    });
    afterAll(async () => app?.close());

    it('A-11: a reused PKCE challenge is detected and logged as a warning (the request still proceeds)', async () => {
      const client = await registerClient(app.origin);
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const authorize = (challenge: string) => {
          const url = new URL(`${app.origin}/authorize`);
          for (const [name, value] of Object.entries({
            response_type: 'code',
            client_id: client.clientId,
            redirect_uri: client.redirectUri,
            code_challenge: challenge,
            code_challenge_method: 'S256',
          }))
            url.searchParams.set(name, value);
          return fetch(url, { redirect: 'manual' });
        };
        const reusedWarnings = () =>
          warn.mock.calls.filter(([message]) => String(message).includes('reused a PKCE code_challenge')).length;
        expect((await authorize('A'.repeat(43))).status).toBe(302);
        expect((await authorize('B'.repeat(43))).status).toBe(302);
        expect(reusedWarnings()).toBe(0);
        expect((await authorize('A'.repeat(43))).status).toBe(302);
        expect(reusedWarnings()).toBe(1);
      } finally {
        warn.mockRestore();
      }
    });

    it('C-13: the transaction cookie outlives the transaction by 5 minutes, so a late form reads "expired"', async () => {
      const client = await registerClient(app.origin);
      const url = new URL(`${app.origin}/authorize`);
      for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: client.redirectUri,
        code_challenge: 'C'.repeat(43),
        code_challenge_method: 'S256',
      }))
        url.searchParams.set(name, value);
      const response = await fetch(url, { redirect: 'manual' });
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith('mcp_auth_tx_'));
      expect(cookie).toContain('Max-Age=900');
    });

    it('P-12: an empty clientIdMetadataDocuments section leaves CIMD off (enabled defaults to false)', async () => {
      const metadata = (await (await fetch(`${app.origin}/.well-known/oauth-authorization-server`)).json()) as Record<
        string,
        unknown
      >;
      expect(metadata.client_id_metadata_document_supported).not.toBe(true);
    });

    it('the consent page is never shown before sign-in: GET /consent without a user redirects to the login page', async () => {
      const client = await registerClient(app.origin);
      const seen: string[] = [];
      // A browser that stops at the first page: the login page must come before any consent page.
      const policy: FormPolicy = (page) => {
        seen.push(load(page.html)('input[name="password"]').length ? 'login' : 'other');
        return undefined;
      };
      await expect(authorizeIn(new HeadlessBrowser(policy), app.origin, client)).rejects.toThrow(/stuck/);
      expect(seen).toEqual(['login']);
      // The consent URL itself, opened directly for that transaction, sends to the login page.
      const browser = new HeadlessBrowser(() => undefined);
      await expect(authorizeIn(browser, app.origin, client)).rejects.toThrow(/stuck/);
      const loginUrl = new URL(browser.visited.at(-1)!.split(' ')[1]);
      const consent = await fetch(`${app.origin}/consent${loginUrl.search}`, {
        redirect: 'manual',
        headers: { cookie: [...browser.cookieJar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      expect(consent.status).toBe(302);
      expect(consent.headers.get('location')).toContain('/login?tx=');
    });
  });

  describe('F-20: authorization requests are rate-limited per client address', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startMcpApp((origin) => ({
        resourceUrl: `${origin}/mcp`,
        server: { users, authorizationRateLimit: { max: 3, windowSeconds: 60 } },
      }));
    });
    afterAll(async () => app?.close());

    it('answers the request over the limit with a 429 page and Retry-After, storing no transaction', async () => {
      const client = await registerClient(app.origin);
      const url = new URL(`${app.origin}/authorize`);
      url.searchParams.set('client_id', client.clientId);
      const answers: Response[] = [];
      for (let i = 0; i < 4; i++) {
        url.searchParams.set('state', String(i));
        answers.push(await fetch(url, { redirect: 'manual' }));
      }
      const statuses = answers.map((answer) => answer.status);
      // The first three are judged (and refused for lacking PKCE), the fourth never is.
      expect(statuses.slice(0, 3).every((status) => status !== 429)).toBe(true);
      expect(statuses[3]).toBe(429);
      const limited = answers[3];
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('content-type')).toContain('text/html');
      expect(limited.headers.get('set-cookie')).toBeNull();
      expect(await limited.text()).toContain('temporarily_unavailable');
    });

    it('refuses an invalid limit at start-up, by option path', async () => {
      await expect(
        startMcpApp((origin) => ({
          resourceUrl: `${origin}/mcp`,
          server: { users, authorizationRateLimit: { max: 0 } },
        })),
      ).rejects.toThrow('server.authorizationRateLimit.max');
    });
  });
});

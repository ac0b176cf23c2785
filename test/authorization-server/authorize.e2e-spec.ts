import { decodeJwt } from 'jose';
import { SinkServer } from '../helpers/sink-server.js';
import { startAsApp, type AsApp } from './support/as-app.js';
import { Browser, type BrowserResponse } from './support/browser.js';
import { expectErrorPage, expectErrorRedirect } from './support/expectations.js';
import {
  authorizationUrl,
  authorizeCode,
  exchangeCode,
  PUB1_REDIRECT,
  pkce,
  registerClient,
  walkToClient,
  type AuthorizationParams,
  type RegisteredClient,
} from './support/flow.js';
import { sendRaw } from './support/http.js';
import { AS_LEVELS } from './support/levels.js';

const WEB1_REDIRECT = 'https://client.example/cb';
const STATIC_REDIRECT = 'https://static.example/cb';

/**
 * Security catalog 1.5 (authorization endpoint) against both levels, and the policies P-6, P-7,
 * P-8 that concern it. An invalid client or redirect URI is always an error page (EPAGE: no
 * Location, nothing stored); other errors follow P-7; every redirect carries RFC 9207 `iss`.
 */
describe.each(AS_LEVELS)('authorization endpoint, %s', (_label, level) => {
  let app: AsApp;
  let sink: SinkServer;
  let pub1: RegisteredClient;
  let web1: RegisteredClient;
  let lb1: RegisteredClient;
  let twoUris: RegisteredClient;
  const staticClient = { client_id: 'static-web', redirect_uris: [STATIC_REDIRECT] } as RegisteredClient;

  beforeAll(async () => {
    sink = await new SinkServer().start();
    app = await startAsApp({
      level,
      as: {
        clients: [
          {
            clientId: 'static-web',
            redirectUris: [STATIC_REDIRECT],
            tokenEndpointAuthMethod: 'none',
            applicationType: 'web',
          },
        ],
      },
    });
    pub1 = await registerClient(app);
    web1 = await registerClient(app, { redirect_uris: [WEB1_REDIRECT] });
    lb1 = await registerClient(app, { redirect_uris: ['http://127.0.0.1/cb'] });
    twoUris = await registerClient(app, { redirect_uris: [PUB1_REDIRECT, 'http://127.0.0.1:5555/other'] });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
  });

  /** Requests of the upstream's authorization endpoint so far (level 3; 0 at level 4). */
  const upstreamAuthorizations = () => app.upstream?.hits.get('/auth') ?? 0;

  /** GET /authorize (never following redirects) and what it stored. */
  async function authz(query: URL | string): Promise<BrowserResponse & { stored: string[]; upstream: number }> {
    const mark = app.store.mark();
    const before = upstreamAuthorizations();
    const url = typeof query === 'string' ? app.url(`/authorize?${query}`) : query;
    const response = await new Browser(app).get(url);
    return { ...response, stored: app.store.writtenSince(mark), upstream: upstreamAuthorizations() - before };
  }

  /** EPAGE, nothing stored, nothing sent upstream. */
  function expectRefusedPage(response: Awaited<ReturnType<typeof authz>>, error?: string) {
    expectErrorPage(response, error);
    expect(response.stored).toEqual([]);
    expect(response.upstream).toBe(0);
  }

  /** EREDIR to the client, nothing stored, nothing sent upstream. */
  function expectRefusedRedirect(
    response: Awaited<ReturnType<typeof authz>>,
    error: string,
    redirectUri: string,
    state: string | null,
  ) {
    expectErrorRedirect(response, { redirectUri, error, state: state ?? undefined, issuer: app.issuer });
    expect(response.stored).toEqual([]);
    expect(response.upstream).toBe(0);
  }

  /** Proceeds: a redirect to this server's consent (level 3) or sign-in (level 4) page, with a transaction stored. */
  function expectProceeds(response: Awaited<ReturnType<typeof authz>>) {
    expect([302, 303]).toContain(response.status);
    expect(response.location!.origin).toBe(app.issuer);
    expect(response.location!.pathname).toBe(level === 'proxy' ? '/consent' : '/login');
    expect(response.stored).toContain('oauth-tx');
  }

  const url = (client: Pick<RegisteredClient, 'client_id' | 'redirect_uris'>, params: AuthorizationParams = {}) =>
    authorizationUrl(app, client, params);

  describe('client and redirect URI: an error page, never a redirect', () => {
    it.each([
      ['a random client_id', { client_id: 'c'.repeat(22) }, 'invalid_client'],
      ['an empty client_id', { client_id: '' }, 'invalid_request'],
      ['no client_id', { client_id: null }, 'invalid_request'],
    ])('A-01: %s → EPAGE', async (_name, params, error) => {
      expectRefusedPage(await authz(url(pub1, params as AuthorizationParams)), error);
    });

    it('A-01: a duplicated client_id → EPAGE invalid_request', async () => {
      const query = url(pub1);
      query.searchParams.append('client_id', web1.client_id);
      expectRefusedPage(await authz(query), 'invalid_request');
    });

    it('A-02: an unregistered redirect_uri → EPAGE', async () => {
      expectRefusedPage(await authz(url(pub1, { redirect_uri: 'https://evil.example/cb' })), 'invalid_request');
    });

    it.each([
      'http://127.0.0.1:5555/cb/',
      'http://127.0.0.1:5555/CB',
      'HTTP://127.0.0.1:5555/cb',
      'http://127.0.0.1:5555/cb?x=1',
      'http://127.0.0.1:5555/cb#x',
      'http://127.0.0.1:5555/c%62',
      'http://127.0.0.1:5555/cb/../evil',
      'http://127.0.0.1:5555/cb/..%2Fevil',
      'http://127.0.0.1:5555/cb%2F..%2Fevil',
      'http://127.0.0.1:5555/cb/%2e%2e%2Fevil',
      'http://127.0.0.1:5555/cb/..%252Fevil',
      'http://127.0.0.1:5555/cb/;/../../evil',
      'http://127.0.0.1:5555/cb%3B%2F..%2F..%2Fevil',
      'http://127.0.0.1:5555/cb%0A%0D/../evil',
      'http://127.0.0.1:5555/cb/Wrong',
      'http://127.0.0.1:5555@evil.example/cb',
      'http://evil.example@127.0.0.1:5555/cb',
      'http://127.0.0.1:5555\\@evil.example/cb',
      'http://127.000.000.001:5555/cb',
      'http://2130706433:5555/cb',
      'http://0x7f.1:5555/cb',
      'http://localhost:5555/cb',
      'http://[::1]:5555/cb',
      'http://127.0.0.1:5555/cb%00',
      ' http://127.0.0.1:5555/cb',
      'http://127.0.0.1:5555/cb ',
    ])('A-03: near miss %j of pub1 → EPAGE', async (redirectUri) => {
      expectRefusedPage(await authz(url(pub1, { redirect_uri: redirectUri })), 'invalid_request');
    });

    it.each([
      'https://client.example:443/cb',
      'https://CLIENT.EXAMPLE/cb',
      'https://client.example/cb/',
      'https://client.example/cb?x=1',
      'http://client.example/cb',
      'https://client.example.evil.example/cb',
    ])('A-03: near miss %j of web1 → EPAGE', async (redirectUri) => {
      expectRefusedPage(await authz(url(web1, { redirect_uri: redirectUri })), 'invalid_request');
    });

    it('A-05: web1 on another port → EPAGE', async () => {
      expectRefusedPage(await authz(url(web1, { redirect_uri: 'https://client.example:8443/cb' })), 'invalid_request');
    });

    it.each([
      'http://127.0.0.1:61234/cb2',
      'https://127.0.0.1:61234/cb',
      'http://127.0.0.1:61234@evil.example/cb',
      'http://localhost:61234/cb',
    ])('A-04: loopback lb1 (http://127.0.0.1/cb) refuses %j → EPAGE', async (redirectUri) => {
      expectRefusedPage(await authz(url(lb1, { redirect_uri: redirectUri })), 'invalid_request');
    });

    it('A-04 / P-6: a loopback redirect URI matches on any port, and the code goes to the port the client asked for', async () => {
      expectProceeds(await authz(url(lb1, { redirect_uri: 'http://127.0.0.1:61234/cb' })));
      // P-6: the port is variable even when the registration names one.
      expectProceeds(await authz(url(pub1, { redirect_uri: 'http://127.0.0.1:5556/cb' })));
      const done = await authorizeCode(app, lb1, { redirect_uri: 'http://127.0.0.1:61234/cb' });
      expect(done.redirect.host).toBe('127.0.0.1:61234');
      expect(done.redirect.pathname).toBe('/cb');
    });

    it('A-06: redirect_uri omitted: allowed with one registered URI (policy), EPAGE with two', async () => {
      expectProceeds(await authz(url(pub1, { redirect_uri: null })));
      expectRefusedPage(await authz(url(twoUris, { redirect_uri: null })), 'invalid_request');
    });

    it.each([
      ['redirect_uri twice', (q: URLSearchParams) => q.append('redirect_uri', 'http://127.0.0.1:5555/cb')],
      ['state twice', (q: URLSearchParams) => q.append('state', 'b')],
      ['response_type twice', (q: URLSearchParams) => q.append('response_type', 'code')],
      ['code_challenge twice', (q: URLSearchParams) => q.append('code_challenge', pkce().challenge)],
      ['scope twice', (q: URLSearchParams) => q.append('scope', 'notes:read')],
    ])('A-07: %s → EPAGE invalid_request', async (_name, duplicate) => {
      const query = url(pub1, { scope: 'notes:read' });
      duplicate(query.searchParams);
      expectRefusedPage(await authz(query), 'invalid_request');
    });

    it.each([
      'redirect_uri[]=https%3A%2F%2Fevil.example%2Fcb',
      'redirect_uri[x]=https%3A%2F%2Fevil.example%2Fcb',
      'scope[]=notes:read',
      'state[a]=1',
    ])('A-07: bracket syntax %s never redirects anywhere unregistered and never fails with 500', async (extra) => {
      const response = await authz(`${url(pub1).searchParams.toString()}&${extra}`);
      expect(response.status).toBeLessThan(500);
      if (response.location) {
        expect(response.location.origin).toBe(app.issuer);
      } else {
        expectErrorPage(response);
      }
    });
  });

  describe('request errors (policy P-7)', () => {
    it('P-7: DCR native (loopback) and static clients get error redirects; DCR web redirect URIs and a bad client/redirect get a page', async () => {
      const state = 'p7';
      expectRefusedRedirect(
        await authz(url(pub1, { state, code_challenge: null })),
        'invalid_request',
        PUB1_REDIRECT,
        state,
      );
      expectRefusedRedirect(
        await authz(url(staticClient, { state, code_challenge: null })),
        'invalid_request',
        STATIC_REDIRECT,
        state,
      );
      expectRefusedPage(await authz(url(web1, { state, code_challenge: null })), 'invalid_request');
      expectRefusedPage(
        await authz(url(pub1, { state, redirect_uri: 'https://evil.example/cb', code_challenge: null })),
      );
    });

    it('A-08: PKCE missing → no code, no upstream redirect, EREDIR invalid_request', async () => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's8', code_challenge: null })),
        'invalid_request',
        PUB1_REDIRECT,
        's8',
      );
    });

    it.each([
      ['plain', 'plain'],
      ['absent (RFC 7636 default plain)', null],
      ['s256', 's256'],
      ['S512', 'S512'],
    ])('A-09: code_challenge_method %s → EREDIR invalid_request', async (_name, method) => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's9', code_challenge_method: method })),
        'invalid_request',
        PUB1_REDIRECT,
        's9',
      );
    });

    it.each([
      ['42 characters', 'a'.repeat(42)],
      ['129 characters', 'a'.repeat(129)],
      ['+/= characters', `${'a'.repeat(40)}+/=`],
      ['empty', ''],
    ])('A-10: code_challenge %s → EREDIR invalid_request', async (_name, challenge) => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's10', code_challenge: challenge })),
        'invalid_request',
        PUB1_REDIRECT,
        's10',
      );
    });

    it.each(['token', 'id_token', 'code token', 'code id_token', 'none'])(
      'A-12: response_type %s → EREDIR unsupported_response_type, no token in the front channel',
      async (responseType) => {
        const response = await authz(url(pub1, { state: 's12', response_type: responseType }));
        const location = expectErrorRedirect(response, {
          redirectUri: PUB1_REDIRECT,
          error: 'unsupported_response_type',
          state: 's12',
          issuer: app.issuer,
        });
        expect(location.hash).toBe('');
        expect(location.searchParams.has('access_token')).toBe(false);
        expect(response.stored).toEqual([]);
      },
    );

    it('A-12: response_type missing → EPAGE', async () => {
      expectRefusedPage(await authz(url(pub1, { response_type: null })), 'invalid_request');
    });

    it.each([
      ['an unknown scope', 'admin'],
      ['a control character', 'notes:read\ninjected'],
      ['a quote', 'notes:read "x'],
    ])('A-13: %s → invalid_scope (EREDIR for pub1, EPAGE for the DCR web client, P-7)', async (_name, scope) => {
      expectRefusedRedirect(await authz(url(pub1, { state: 's13', scope })), 'invalid_scope', PUB1_REDIRECT, 's13');
      expectRefusedPage(await authz(url(web1, { state: 's13', scope })), 'invalid_scope');
    });

    it('A-13: a 60 KB scope (form POST) → invalid_scope; 100 KB in the URL → refused without a 5xx', async () => {
      const form = Object.fromEntries(
        url(pub1, { state: 'big', scope: `notes:read ${'x'.repeat(60_000)}` }).searchParams,
      );
      const browser = new Browser(app);
      const mark = app.store.mark();
      const posted = await browser.post(app.url('/authorize'), form);
      expectErrorRedirect(posted, {
        redirectUri: PUB1_REDIRECT,
        error: 'invalid_scope',
        state: 'big',
        issuer: app.issuer,
      });
      expect(app.store.writtenSince(mark)).toEqual([]);
      const huge = await browser.get(url(pub1, { scope: 'y'.repeat(100_000) }));
      expect(huge.status).toBeGreaterThanOrEqual(400);
      expect(huge.status).toBeLessThan(500);
      expect(huge.headers.get('location')).toBeNull();
    });

    it('A-13: offline_access is tolerated and never granted as a scope', async () => {
      const { code, verifier } = await authorizeCode(app, pub1, { scope: 'notes:read offline_access' });
      const exchanged = await exchangeCode(app, pub1, code, verifier);
      expect(exchanged.body?.scope).toBe('notes:read');
    });

    it('A-17: prompt=none → EREDIR consent_required, never a silent trip upstream', async () => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's17', prompt: 'none' })),
        'consent_required',
        PUB1_REDIRECT,
        's17',
      );
    });

    it('A-23: request_uri and request are not supported (no fetch); unknown parameters are ignored', async () => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's23', request_uri: `${sink.origin}/r` })),
        'request_uri_not_supported',
        PUB1_REDIRECT,
        's23',
      );
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's23', request: 'eyJhbGciOiJub25lIn0.e30.' })),
        'request_not_supported',
        PUB1_REDIRECT,
        's23',
      );
      expect(sink.hits()).toBe(0);
      expectProceeds(await authz(url(pub1, { foo: 'bar', claims: '{"x":1}' })));
    });
  });

  describe('state (policy P-8) and RFC 8707 resource', () => {
    it('A-14: a state carrying "&code=" comes back exactly, next to exactly one code', async () => {
      const state = 'x&code=attacker&y=';
      const { redirect } = await authorizeCode(app, pub1, { state });
      expect(redirect.searchParams.getAll('code')).toHaveLength(1);
      expect(redirect.searchParams.get('code')).not.toBe('attacker');
      expect(redirect.searchParams.getAll('state')).toEqual([state]);
    });

    it('A-14: a 10 KB state is refused with an error page', async () => {
      expectRefusedPage(await authz(url(pub1, { state: 's'.repeat(10_240) })), 'invalid_request');
    });

    it('P-8: state is optional (PKCE protects the flow); without it the response carries none', async () => {
      const { redirect } = await authorizeCode(app, pub1, { state: null });
      expect(redirect.searchParams.has('state')).toBe(false);
      expect(redirect.searchParams.get('iss')).toBe(app.issuer);
    });

    it.each([
      ['another MCP server (RES2)', () => 'http://127.0.0.1:1/mcp'],
      ['a fragment', () => `${app.mcpUrl}#x`],
      ['a relative URI', () => 'mcp'],
      ['the origin only', () => app.issuer.replace('127.0.0.1', '127.0.0.2')],
      ['a path prefix', () => `${app.mcpUrl}-v2`],
    ])('A-16: resource = %s → EREDIR invalid_target', async (_name, resource) => {
      expectRefusedRedirect(
        await authz(url(pub1, { state: 's16', resource: resource() })),
        'invalid_target',
        PUB1_REDIRECT,
        's16',
      );
    });

    it('A-16: two resources → invalid_target', async () => {
      const query = url(pub1, { state: 's16', resource: app.mcpUrl });
      query.searchParams.append('resource', 'http://127.0.0.1:1/mcp');
      expectRefusedRedirect(await authz(query), 'invalid_target', PUB1_REDIRECT, 's16');
    });

    it.each([
      ['missing (policy: the MCP URL)', null],
      ['with an upper-case scheme and host', 'upper'],
    ])('A-16: resource %s → accepted; the access token aud is the canonical MCP URL', async (_name, resource) => {
      const value = resource === 'upper' ? app.mcpUrl.replace('http://127.0.0.1', 'HTTP://127.0.0.1') : resource;
      const { code, verifier } = await authorizeCode(app, pub1, { resource: value });
      const exchanged = await exchangeCode(app, pub1, code, verifier);
      expect(exchanged.status).toBe(200);
      expect(decodeJwt(exchanged.body!.access_token as string).aud).toBe(app.mcpUrl);
    });
  });

  describe('HTTP surface of the browser endpoints', () => {
    it('A-18: a JSON POST is refused with a page; CORS is never offered at /authorize', async () => {
      const mark = app.store.mark();
      const json = await fetch(app.url('/authorize'), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(Object.fromEntries(url(pub1).searchParams)),
      });
      expect(json.status).toBe(400);
      expect(json.headers.get('location')).toBeNull();
      expect(json.headers.get('content-type')).toMatch(/^text\/html/);
      expect(app.store.writtenSince(mark)).toEqual([]);
      for (const method of ['OPTIONS', 'GET']) {
        const response = await fetch(url(pub1), {
          method,
          redirect: 'manual',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
        });
        expect(response.headers.get('access-control-allow-origin')).toBeNull();
      }
    });

    it('A-20: every HTML page (error, sign-in, consent) denies framing, sends no referrer and is not cached', async () => {
      const browser = new Browser(app);
      const pages: BrowserResponse[] = [await browser.get(url(pub1, { client_id: 'unknown-client-id-00000' }))];
      let response = await browser.get(url(pub1));
      while (response.location && response.location.origin === app.issuer) {
        response = await browser.get(response.location);
        if (response.status === 200) pages.push(response);
        const signIn = Browser.forms(response).find((form) => form.hasPassword);
        if (signIn)
          response = await browser.post(signIn.action, { ...signIn.fields, username: 'alice', password: 'wonderland' });
      }
      expect(pages.length).toBeGreaterThanOrEqual(level === 'server' ? 3 : 2);
      for (const page of pages) {
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(page.headers.get('referrer-policy')).toBe('no-referrer');
        expect(page.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('A-21: every redirect after a POST (sign-in, approve, deny) is 303, never 307/308', async () => {
      const statuses: number[] = [];
      for (const decision of ['approve', 'deny'] as const) {
        const browser = new Browser(app);
        let response = await browser.get(url(pub1));
        for (let step = 0; step < 10 && !(response.location?.origin === 'http://127.0.0.1:5555'); step++) {
          if (response.location) {
            response = await browser.get(response.location);
            continue;
          }
          const forms = Browser.forms(response);
          const signIn = forms.find((form) => form.hasPassword);
          const consent = forms.find((form) => form.buttons.some(([name]) => name === 'decision'));
          const upstream = forms.find((form) => form.action.pathname.endsWith('/confirm'));
          if (signIn)
            response = await browser.post(signIn.action, {
              ...signIn.fields,
              username: 'alice',
              password: 'wonderland',
            });
          else if (consent) response = await browser.post(consent.action, { ...consent.fields, decision });
          else if (upstream) response = await browser.post(upstream.action, upstream.fields);
          else throw new Error(`stuck at ${response.url.href}`);
          if (response.url.origin === app.origin) statuses.push(response.status);
        }
      }
      expect(statuses.length).toBeGreaterThanOrEqual(level === 'server' ? 4 : 2);
      for (const status of statuses) expect(status).toBe(303);
    });

    it('TR-01 / M-03: Host and X-Forwarded-* never reach a URL the authorization server emits', async () => {
      const poisoned = {
        host: 'evil.example',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
        forwarded: 'host=evil.example',
      };
      const start = await sendRaw(app.port, { path: `/authorize?${url(pub1).searchParams}`, headers: poisoned });
      expect([302, 303]).toContain(start.status);
      const next = new URL(start.headers.location as string);
      expect(next.origin).toBe(app.issuer);
      const cookies = [start.headers['set-cookie'] ?? []].flat();
      expect(cookies.join('\n')).not.toMatch(/domain=/i);
      const page = await sendRaw(app.port, {
        path: `${next.pathname}${next.search}`,
        headers: { ...poisoned, cookie: cookies.map((c) => c.split(';')[0]).join('; ') },
      });
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('evil.example');
      expect(page.body).toContain(`action="${app.issuer}/`);
      const refused = await sendRaw(app.port, {
        path: `/authorize?${url(pub1, { state: 'h', code_challenge: null }).searchParams}`,
        headers: poisoned,
      });
      expect(new URL(refused.headers.location as string).searchParams.get('iss')).toBe(app.issuer);
    });

    it('A-22: success and error redirects carry iss = the issuer exactly, as the metadata announces', async () => {
      const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<
        string,
        unknown
      >;
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
      const success = await authorizeCode(app, pub1);
      expect(success.redirect.searchParams.getAll('iss')).toEqual([app.issuer]);
      const browser = new Browser(app);
      const denied = await walkToClient(browser, await browser.get(url(pub1, { state: 'd' })), PUB1_REDIRECT, {
        decision: 'deny',
      });
      expect(denied.searchParams.get('error')).toBe('access_denied');
      expect(denied.searchParams.get('state')).toBe('d');
      expect(denied.searchParams.getAll('iss')).toEqual([app.issuer]);
      expect(denied.searchParams.has('code')).toBe(false);
      const refused = await authz(url(pub1, { code_challenge: null }));
      expect(refused.location!.searchParams.getAll('iss')).toEqual([app.issuer]);
    });
  });
});

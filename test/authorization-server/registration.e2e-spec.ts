import { SinkServer } from '../helpers/sink-server.js';
import { startAsApp, type AsApp } from './support/as-app.js';
import { Browser } from './support/browser.js';
import { expectCleanBody, expectErrorPage, expectOAuthError } from './support/expectations.js';
import {
  authorizationUrl,
  D00,
  openConsentPage,
  PUB1_REDIRECT,
  register,
  registerClient,
  type HttpAnswer,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS } from './support/levels.js';

const base64urlBits = (value: string) => Buffer.from(value, 'base64url').length * 8;

/**
 * Security catalog 1.4 (dynamic client registration, RFC 7591) through `POST /register` of both
 * levels: the 201 answer with full metadata, redirect URI and `application_type` rules, hostile
 * bodies, and the registration policy P-12. Every refused registration stores nothing (I-1).
 */
describe.each(AS_LEVELS)('dynamic client registration, %s', (_label, level) => {
  let app: AsApp;
  let sink: SinkServer;

  beforeAll(async () => {
    sink = await new SinkServer().start();
    app = await startAsApp({ level });
  });
  afterAll(async () => {
    await app?.close();
    await sink?.stop();
  });

  /** Registers `body`, expects a 400 OAuth error and that nothing but rate-limit counters was written. */
  async function expectRefused(body: unknown, errors: string[], options: Parameters<typeof register>[2] = {}) {
    const mark = app.store.mark();
    const result = await register(app, body, options);
    expect(errors).toContain(result.body?.error);
    expectOAuthError(result, result.status === 415 ? 415 : 400, result.body?.error as string);
    expect(app.store.writtenSince(mark)).toEqual([]);
    return result;
  }

  it('D-00: the baseline registers with 201, a random 128-bit client_id, no secret, all metadata echoed, no-store', async () => {
    const result = await register(app, D00);
    expect(result.status).toBe(201);
    expect(result.headers.get('content-type')).toMatch(/^application\/json/);
    expect(result.headers.get('cache-control')).toBe('no-store');
    const body = result.body!;
    expect(body).toEqual({
      client_id: expect.any(String),
      client_id_issued_at: expect.any(Number),
      redirect_uris: [PUB1_REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      client_name: 't',
    });
    expect(base64urlBits(body.client_id as string)).toBeGreaterThanOrEqual(128);
    expect(Math.abs((body.client_id_issued_at as number) - Date.now() / 1000)).toBeLessThan(60);
    const other = await registerClient(app);
    expect(other.client_id).not.toBe(body.client_id);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    '\u0001javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'blob:https://x/1',
    'about:blank',
  ])('D-01: dangerous scheme %j → 400 invalid_redirect_uri, nothing stored', async (uri) => {
    await expectRefused({ ...D00, redirect_uris: [uri] }, ['invalid_redirect_uri']);
  });

  it.each([
    'http://evil.example/cb',
    'http://10.0.0.5/cb',
    'http://localhost.evil.example/cb',
    'http://127.0.0.1.nip.io/cb',
  ])('D-02: plain http on a non-loopback host %s → 400 invalid_redirect_uri', async (uri) => {
    await expectRefused({ ...D00, redirect_uris: [uri] }, ['invalid_redirect_uri']);
  });

  it('P-6: http://localhost and [::1] loopback redirect URIs are accepted; localhost never stands for 127.0.0.1', async () => {
    const localhost = await registerClient(app, { redirect_uris: ['http://localhost:8765/cb'] });
    const ipv6 = await registerClient(app, { redirect_uris: ['http://[::1]:8765/cb'] });
    expect(localhost.redirect_uris).toEqual(['http://localhost:8765/cb']);
    expect(ipv6.redirect_uris).toEqual(['http://[::1]:8765/cb']);
    // Any port on the same loopback host, never another loopback host.
    const browser = new Browser(app);
    const otherPort = await browser.get(authorizationUrl(app, localhost, { redirect_uri: 'http://localhost:9999/cb' }));
    expect([302, 303]).toContain(otherPort.status);
    expect(otherPort.location!.pathname).toMatch(/\/(consent|login)$/);
    for (const uri of ['http://127.0.0.1:8765/cb', 'http://[::1]:8765/cb']) {
      expectErrorPage(await browser.get(authorizationUrl(app, localhost, { redirect_uri: uri })), 'invalid_request');
    }
  });

  it.each([
    'https://client.example/cb#f',
    'https://client.example/cb#',
    'https://*.client.example/cb',
    'https://client.example/*',
    '/cb',
    'cb',
    '//evil.example/cb',
    'https:evil.example',
    'https:///cb',
  ])('D-03: fragment, wildcard or relative %j → 400 invalid_redirect_uri', async (uri) => {
    await expectRefused({ ...D00, redirect_uris: [uri] }, ['invalid_redirect_uri']);
  });

  it.each([
    'https://client.example@evil.example/cb',
    'https://client.example%40evil.example/cb',
    'https://evil.example\\@client.example/cb',
    'http://127.0.0.1:5555@evil.example/cb',
    'http://localhost:8090%25@example.com/cb',
  ])('D-04: user information or backslash %j → 400', async (uri) => {
    await expectRefused({ ...D00, redirect_uris: [uri] }, ['invalid_redirect_uri']);
  });

  it.each([
    ['a string', PUB1_REDIRECT],
    ['[]', []],
    ['[null]', [null]],
    ['[123]', [123]],
    ['[["x"]]', [['x']]],
    ['[{href}]', [{ href: PUB1_REDIRECT }]],
    ['{"0": …}', { 0: PUB1_REDIRECT }],
  ])('D-05: redirect_uris as %s → 400, never a TypeError', async (_name, value) => {
    await expectRefused({ ...D00, redirect_uris: value }, ['invalid_redirect_uri', 'invalid_client_metadata']);
  });

  it('D-06: a JSON array, an empty object or a wrong content type → 400 invalid_client_metadata / 415', async () => {
    await expectRefused([], ['invalid_client_metadata']);
    await expectRefused({}, ['invalid_redirect_uri', 'invalid_client_metadata']);
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      const result = await expectRefused(JSON.stringify(D00), ['invalid_client_metadata'], { contentType, raw: true });
      expect(result.status).toBe(415);
    }
  });

  it('D-06: bodies the JSON parser refuses (null, "s", 1, malformed) → 400 JSON without internals, nothing stored', async () => {
    // Nest's JSON body parser (strict) refuses these before the endpoint runs: the answer is its
    // 400, not an RFC 7591 `invalid_client_metadata` (reported as a deviation).
    for (const body of ['null', '"s"', '1', '{', '{"redirect_uris":']) {
      const mark = app.store.mark();
      const result = await register(app, body, { raw: true });
      expect(result.status).toBe(400);
      expect(result.headers.get('content-type')).toMatch(/^application\/json/);
      expectCleanBody(result.text);
      expect(app.store.writtenSince(mark, { all: true })).toEqual([]);
    }
  });

  it('D-07: __proto__ and constructor members pollute nothing and are not stored', async () => {
    const body =
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},' +
      `"redirect_uris":["${PUB1_REDIRECT}"],"token_endpoint_auth_method":"none"}`;
    const result = await register(app, body, { raw: true });
    expect([201, 400]).toContain(result.status);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(result.body!, 'isAdmin')).toBe(false);
    expect(result.text).not.toMatch(/isAdmin|polluted|constructor/);
  });

  it('D-08: oversized bodies → 413, over-long fields → 400; nothing stored', async () => {
    const mark = app.store.mark();
    const huge = await register(app, { ...D00, client_name: 'x'.repeat(1_000_000) });
    expect(huge.status).toBe(413);
    const manyUris = await register(app, {
      ...D00,
      redirect_uris: Array.from({ length: 10_000 }, (_, i) => `http://127.0.0.1:${(i % 60_000) + 1}/cb`),
    });
    expect(manyUris.status).toBe(413);
    const twoMegabytes = await register(app, { ...D00, software_id: 'y'.repeat(2_000_000) });
    expect(twoMegabytes.status).toBe(413);
    for (const response of [huge, manyUris, twoMegabytes]) expectCleanBody(response.text);
    expect(app.store.writtenSince(mark)).toEqual([]);

    await expectRefused({ ...D00, client_name: 'n'.repeat(256) }, ['invalid_client_metadata']);
    await expectRefused(
      { ...D00, redirect_uris: Array.from({ length: 11 }, (_, i) => `http://127.0.0.1:${5000 + i}/cb`) },
      ['invalid_redirect_uri'],
    );
    await expectRefused({ ...D00, redirect_uris: [`http://127.0.0.1:5555/${'p'.repeat(3000)}`] }, [
      'invalid_redirect_uri',
    ]);
  });

  it('D-09: client-chosen client_id, secret, issue time and registration token are ignored', async () => {
    const result = await register(app, {
      ...D00,
      client_id: 'admin',
      client_secret: 'x',
      client_id_issued_at: 0,
      registration_access_token: 'x',
      registration_client_uri: 'https://evil.example/',
    });
    expect(result.status).toBe(201);
    expect(result.body!.client_id).not.toBe('admin');
    expect(result.body!.client_id_issued_at).not.toBe(0);
    expect(result.body).not.toHaveProperty('client_secret');
    expect(result.body).not.toHaveProperty('registration_access_token');
    expect(result.body).not.toHaveProperty('registration_client_uri');
    // No client "admin" exists afterwards.
    const page = await new Browser(app).get(
      authorizationUrl(app, { client_id: 'admin', redirect_uris: [PUB1_REDIRECT] }),
    );
    expectErrorPage(page, 'invalid_client');
  });

  it.each([
    ['grant_types', ['password']],
    ['grant_types', ['implicit']],
    ['grant_types', ['client_credentials']],
    ['grant_types', ['urn:ietf:params:oauth:grant-type:jwt-bearer']],
    ['response_types', ['token']],
    ['response_types', ['code id_token']],
  ])('D-10: %s %j → 400 invalid_client_metadata, never stored as a capability', async (member, value) => {
    await expectRefused({ ...D00, [member]: value }, ['invalid_client_metadata']);
  });

  it.each(['client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'bogus'])(
    'D-11: token_endpoint_auth_method %s (without keys) → 400 invalid_client_metadata',
    async (method) => {
      await expectRefused({ ...D00, token_endpoint_auth_method: method }, ['invalid_client_metadata']);
    },
  );

  it('D-11: client_secret_basic → 201 with a 256-bit secret and client_secret_expires_at', async () => {
    const result = await register(app, { ...D00, token_endpoint_auth_method: 'client_secret_basic' });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic',
      client_secret_expires_at: 0,
    });
    expect(base64urlBits(result.body!.client_secret as string)).toBeGreaterThanOrEqual(256);
  });

  it('D-12: non-https URI metadata is dropped, https kept, http jwks_uri refused, and nothing is ever fetched', async () => {
    const sinkUrl = `${sink.origin}/logo.png`;
    const result = await register(app, {
      ...D00,
      logo_uri: sinkUrl,
      client_uri: 'javascript:alert(1)',
      policy_uri: 'http://169.254.169.254/latest/meta-data/',
      tos_uri: 'https://client.example/tos',
    });
    expect(result.status).toBe(201);
    expect(result.body).not.toHaveProperty('logo_uri');
    expect(result.body).not.toHaveProperty('client_uri');
    expect(result.body).not.toHaveProperty('policy_uri');
    expect(result.body!.tos_uri).toBe('https://client.example/tos');
    await expectRefused({ ...D00, jwks_uri: `${sink.origin}/jwks` }, ['invalid_client_metadata']);
    const consent = await openConsentPage(app, result.body as unknown as RegisteredClient);
    expect(consent.status).toBe(200);
    expect(consent.body).not.toContain(sink.origin);
    expect(sink.hits()).toBe(0);
  });

  it('D-13: a hostile client_name registers, and the consent page shows it escaped and isolated', async () => {
    const name = '<img src=x onerror=alert(1)></title><script>alert(1)</script>\u202Eevil';
    const client = await registerClient(app, { client_name: name });
    expect(client.client_name).toBe(name);
    const consent = await openConsentPage(app, client);
    expect(consent.status).toBe(200);
    expect(consent.body).not.toContain('<img src=x');
    expect(consent.body).not.toContain('<script>alert');
    expect(consent.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(consent.body).toMatch(/<bdi>[^<]*&lt;img/);
  });

  it('D-14: scopes outside the server policy are dropped from the registration, never granted', async () => {
    const result = await register(app, { ...D00, scope: 'admin mcp:* offline_access notes:read' });
    expect(result.status).toBe(201);
    expect(result.body!.scope).toBe('notes:read');
    const nothingKnown = await register(app, { ...D00, scope: 'admin' });
    expect(nothingKnown.status).toBe(201);
    expect(nothingKnown.body).not.toHaveProperty('scope');
  });

  it.each(['eyJhbGciOiJub25lIn0.e30.', 'garbage'])(
    'D-15: software_statement %j is ignored (statements are not supported) and never trusted',
    async (statement) => {
      const result = await register(app, { ...D00, software_statement: statement, client_name: 'kept' });
      expect(result.status).toBe(201);
      expect(result.body).not.toHaveProperty('software_statement');
      expect(result.body!.client_name).toBe('kept');
    },
  );

  it('D-17: there is no RFC 7592 management endpoint and no registration access token', async () => {
    const client = await registerClient(app);
    expect(client).not.toHaveProperty('registration_access_token');
    expect(client).not.toHaveProperty('registration_client_uri');
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(app.url(`/register/${client.client_id}`), {
        method,
        headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
        body: method === 'PUT' ? JSON.stringify(D00) : undefined,
      });
      expect(response.status).toBe(404);
    }
  });

  it('D-20: with duplicate JSON keys the last value is the one validated (and refused)', async () => {
    const body = `{"redirect_uris":["${PUB1_REDIRECT}"],"redirect_uris":["http://evil.example/cb"],"token_endpoint_auth_method":"none"}`;
    await expectRefused(body, ['invalid_redirect_uri'], { raw: true });
  });

  it('D-21: an IDN host must be written in punycode; the consent page shows the punycode host', async () => {
    await expectRefused({ ...D00, redirect_uris: ['https://clіent.example/cb'] }, ['invalid_redirect_uri']);
    const punycode = new URL('https://clіent.example/cb').href;
    expect(punycode).toMatch(/^https:\/\/xn--/);
    const client = await registerClient(app, { redirect_uris: [punycode] });
    expect(client.redirect_uris).toEqual([punycode]);
    expect(client.application_type).toBe('web');
    const consent = await openConsentPage(app, client);
    expect(consent.status).toBe(200);
    expect(consent.body).toContain(`<span class="host">${new URL(punycode).hostname}</span>`);
  });

  it.each([
    ['loopback only, absent type → native', { redirect_uris: [PUB1_REDIRECT] }, 201, 'native'],
    [
      'private-use scheme, native',
      { application_type: 'native', redirect_uris: ['com.example.app:/cb'] },
      201,
      'native',
    ],
    ['https only, absent type → web', { redirect_uris: ['https://client.example/cb'] }, 201, 'web'],
    ['web with loopback', { application_type: 'web', redirect_uris: [PUB1_REDIRECT] }, 201, 'web'],
    ['native with https', { application_type: 'native', redirect_uris: ['https://client.example/cb'] }, 400, undefined],
    [
      'web with a private-use scheme',
      { application_type: 'web', redirect_uris: ['com.example.app:/cb'] },
      400,
      undefined,
    ],
    ['unknown type', { application_type: 'desktop' }, 400, undefined],
  ])('application_type rules: %s', async (_name, overrides, status, type) => {
    if (status === 201) {
      const client = await registerClient(app, overrides);
      expect(client.application_type).toBe(type);
    } else {
      await expectRefused({ ...D00, ...overrides }, ['invalid_redirect_uri', 'invalid_client_metadata']);
    }
  });

  it('CORS: POST /register is callable from browser-based clients, without credentials', async () => {
    const preflight = await fetch(app.url('/register'), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const result: HttpAnswer = await register(app, D00, { headers: { origin: 'https://evil.example' } });
    expect(result.status).toBe(201);
    expect(result.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe.each(AS_LEVELS)('registration defaults (policy P-12), %s', (_label, level) => {
  let app: AsApp;

  beforeAll(async () => {
    app = await startAsApp({ level, as: { clientRegistration: {} } });
  });
  afterAll(() => app?.close());

  it('P-12: DCR is on, CIMD off, and a registration lives 30 days unless used', async () => {
    const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<
      string,
      unknown
    >;
    expect(metadata.registration_endpoint).toBe(`${app.issuer}/register`);
    expect(metadata).not.toHaveProperty('client_id_metadata_document_supported');
    const mark = app.store.mark();
    await registerClient(app);
    expect(app.store.ttlsSince(mark, 'oauth-client')).toEqual([30 * 86_400_000]);
    // A URL-shaped client id is an unknown client while CIMD is off (D-22).
    const page = await new Browser(app).get(
      authorizationUrl(app, {
        client_id: 'https://client.example/oauth/metadata.json',
        redirect_uris: [PUB1_REDIRECT],
      }),
    );
    expectErrorPage(page, 'invalid_client');
  });

  it('D-16 / P-12: the 31st registration of a minute from one address gets 429 with Retry-After', async () => {
    // The previous test registered one client from this address in this window.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await register(app, D00)).status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(29);
    const refused = await register(app, D00);
    expectOAuthError(refused, 429, 'too_many_requests');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Once the window is over (the store's clock), registration works again.
    app.clock.advance(61_000);
    expect((await register(app, D00)).status).toBe(201);
  });
});

describe.each(AS_LEVELS)('unused registrations expire (P-12), %s', (_label, level) => {
  let app: AsApp;

  beforeAll(async () => {
    app = await startAsApp({ level });
  });
  afterAll(() => app?.close());

  it('P-12: a client unused for 30 days is gone (EPAGE invalid_client, 401 at /token); a used one lives on', async () => {
    const idle = await registerClient(app);
    const used = await registerClient(app);
    const browser = new Browser(app);
    const day = 86_400_000;
    app.clock.advance(20 * day);
    // A use restarts the 30 days.
    const touched = await browser.get(authorizationUrl(app, used));
    expect([302, 303]).toContain(touched.status);
    app.clock.advance(10 * day + 1000);

    expectErrorPage(await browser.get(authorizationUrl(app, idle)), 'invalid_client');
    const token = await fetch(app.url('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'x'.repeat(43),
        client_id: idle.client_id,
      }),
    });
    expect(token.status).toBe(401);
    expect(((await token.json()) as { error: string }).error).toBe('invalid_client');

    const alive = await browser.get(authorizationUrl(app, used));
    expect([302, 303]).toContain(alive.status);
  });
});

describe.each(AS_LEVELS)('dynamic registration disabled, %s', (_label, level) => {
  let app: AsApp;

  beforeAll(async () => {
    app = await startAsApp({ level, as: { clientRegistration: { enabled: false } } });
  });
  afterAll(() => app?.close());

  it('D-18: POST /register is 404 and the metadata has no registration_endpoint', async () => {
    const mark = app.store.mark();
    const result = await register(app, D00);
    expect(result.status).toBe(404);
    expectCleanBody(result.text);
    expect(app.store.writtenSince(mark, { all: true })).toEqual([]);
    const metadata = (await (await fetch(app.url('/.well-known/oauth-authorization-server'))).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).not.toHaveProperty('registration_endpoint');
  });
});

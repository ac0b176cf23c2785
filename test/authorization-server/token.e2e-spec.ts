import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { StoreNamespace, secretKey } from 'nestjs-mcp-auth';
import { startAsApp, type AsApp } from './support/as-app.js';
import { expectOAuthError } from './support/expectations.js';
import {
  authorizeCode,
  callMcp,
  exchangeCode,
  obtainTokens,
  pkce,
  postForm,
  PUB2_REDIRECT,
  refreshTokens,
  registerClient,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS, USER } from './support/levels.js';

/** The authorization codes' namespace (grant-records.ts), to seed a code without PKCE (TK-09). */
const CODES = new StoreNamespace<Record<string, unknown>>('oauth-code');

const SPECIAL_SECRET = 'p%ss:w0rd/with+special=chars&more-1234567890';

/**
 * Security catalog 1.8 (token endpoint, authorization_code) against both levels, and policy
 * P-13 (a failed redemption burns the code). Every error is TERR-shaped (TK-17 via
 * expectOAuthError: JSON, no-store, clean description, no stack trace).
 */
describe.each(AS_LEVELS)('token endpoint, %s', (_label, level) => {
  let app: AsApp;
  let pub1: RegisteredClient;
  let pub2: RegisteredClient;
  let conf1: RegisteredClient;
  let codeOnly: RegisteredClient;

  beforeAll(async () => {
    app = await startAsApp({
      level,
      as: {
        clients: [
          {
            clientId: 'conf-special',
            clientSecret: SPECIAL_SECRET,
            redirectUris: ['https://static.example/cb'],
            tokenEndpointAuthMethod: 'client_secret_basic',
          },
        ],
      },
    });
    pub1 = await registerClient(app);
    pub2 = await registerClient(app, { redirect_uris: [PUB2_REDIRECT] });
    conf1 = await registerClient(app, { token_endpoint_auth_method: 'client_secret_basic' });
    codeOnly = await registerClient(app, { grant_types: ['authorization_code'] });
  });
  afterAll(() => app?.close());
  afterEach(() => app.clock.reset());

  it('TK-00: code + verifier → 200 Bearer JWT for the resource, with a refresh token, no-store and no-cache', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    const response = await exchangeCode(app, pub1, code, verifier, { resource: app.mcpUrl });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'notes:read',
      refresh_token: expect.any(String),
    });
    const claims = decodeJwt(response.body!.access_token as string);
    expect(claims).toMatchObject({ iss: app.issuer, aud: app.mcpUrl, client_id: pub1.client_id, sub: USER.subject });
    expect((await callMcp(app, response.body!.access_token as string)).status).toBe(200);
  });

  it('TK-01: a second redemption of the code → invalid_grant, and the grant from the first is revoked (AT and RT)', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    const first = await exchangeCode(app, pub1, code, verifier);
    expect(first.status).toBe(200);
    // In use (its "not revoked" answer cached) before the replay: still refused at once after it.
    expect((await callMcp(app, first.body!.access_token as string)).status).toBe(200);
    expectOAuthError(await exchangeCode(app, pub1, code, verifier), 400, 'invalid_grant');
    const mcp = await callMcp(app, first.body!.access_token as string);
    expect(mcp.status).toBe(401);
    expect(mcp.challenge).toContain('error="invalid_token"');
    expectOAuthError(await refreshTokens(app, pub1, first.body!.refresh_token as string), 400, 'invalid_grant');
  });

  it('TK-02: reuse 30 s later → invalid_grant', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    expect((await exchangeCode(app, pub1, code, verifier)).status).toBe(200);
    app.clock.advance(30_000);
    expectOAuthError(await exchangeCode(app, pub1, code, verifier), 400, 'invalid_grant');
  });

  it('TK-03: ten concurrent redemptions of one code → exactly one 200, nine invalid_grant', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    const results = await Promise.all(Array.from({ length: 10 }, () => exchangeCode(app, pub1, code, verifier)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) expectOAuthError(result, 400, 'invalid_grant');
  });

  it('TK-04: a code past its lifetime (60 s) → invalid_grant', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    app.clock.advance(61_000);
    expectOAuthError(await exchangeCode(app, pub1, code, verifier), 400, 'invalid_grant');
  });

  it("TK-05 / P-13: pub1's code redeemed by pub2 → invalid_grant, and the code is burnt for pub1 too", async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    expectOAuthError(
      await exchangeCode(app, pub2, code, verifier, { redirect_uri: pub1.redirect_uris[0] }),
      400,
      'invalid_grant',
    );
    expectOAuthError(await exchangeCode(app, pub1, code, verifier), 400, 'invalid_grant');
  });

  it('TK-06: no client_id (public client) → 401 invalid_client; an unknown client_id → 401 invalid_client', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    const form = {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: pub1.redirect_uris[0],
    };
    expectOAuthError(await postForm(app.url('/token'), form), 401, 'invalid_client');
    expectOAuthError(await postForm(app.url('/token'), { ...form, client_id: 'u'.repeat(22) }), 401, 'invalid_client');
    // Neither attempt reached the code: the client can still redeem it.
    expect((await exchangeCode(app, pub1, code, verifier)).status).toBe(200);
  });

  it('TK-07: a different redirect_uri → invalid_grant; omitted after sending it at authorize → invalid_grant (P-13: burnt)', async () => {
    const first = await authorizeCode(app, pub1);
    expectOAuthError(
      await exchangeCode(app, pub1, first.code, first.verifier, { redirect_uri: 'http://127.0.0.1:5555/cb2' }),
      400,
      'invalid_grant',
    );
    expectOAuthError(await exchangeCode(app, pub1, first.code, first.verifier), 400, 'invalid_grant');
    const second = await authorizeCode(app, pub1);
    const omitted = new URLSearchParams({
      grant_type: 'authorization_code',
      code: second.code,
      code_verifier: second.verifier,
      client_id: pub1.client_id,
    });
    expectOAuthError(await postForm(app.url('/token'), omitted), 400, 'invalid_grant');
  });

  it('TK-07 (policy): redirect_uri omitted at authorize (one registered URI) may be omitted at the token endpoint', async () => {
    const { code, verifier } = await authorizeCode(app, pub1, { redirect_uri: null });
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: pub1.client_id };
    const response = await postForm(app.url('/token'), form);
    expect(response.status).toBe(200);
  });

  it.each([
    ['missing (P-13: burns the code)', 'invalid_grant', (_v: string, _c: string) => undefined],
    ['wrong (43 random characters)', 'invalid_grant', () => pkce().verifier],
    ['equal to the challenge (plain downgrade)', 'invalid_grant', (_v: string, challenge: string) => challenge],
    ['42 characters', 'invalid_request', () => 'v'.repeat(42)],
    ['129 characters', 'invalid_request', () => 'v'.repeat(129)],
    ['containing +', 'invalid_request', () => `${'v'.repeat(42)}+`],
  ])('TK-08: code_verifier %s → %s', async (_name, error, make) => {
    const { verifier, challenge } = pkce();
    const authorization = await authorizeCode(app, pub1, { code_challenge: challenge });
    // authorizeCode made its own pair; this one's challenge was sent, so `verifier` is the right one.
    const bad = make(verifier, challenge);
    const form: Record<string, string> = {
      grant_type: 'authorization_code',
      code: authorization.code,
      redirect_uri: pub1.redirect_uris[0],
      client_id: pub1.client_id,
    };
    if (bad !== undefined) form.code_verifier = bad;
    expectOAuthError(await postForm(app.url('/token'), form), 400, error);
    // P-13: a failed PKCE check burns the code; a malformed request never reached it.
    const retry = await exchangeCode(app, pub1, authorization.code, verifier);
    if (error === 'invalid_grant') expectOAuthError(retry, 400, 'invalid_grant');
    else expect(retry.status).toBe(200);
  });

  it('TK-09: a code minted without a challenge is never redeemed, with or without a verifier (PKCE downgrade)', async () => {
    const code = 'seeded-code-without-pkce-0000000000000000000';
    const record = {
      clientId: pub1.client_id,
      redirectUri: pub1.redirect_uris[0],
      redirectUriSent: true,
      codeChallenge: '',
      scopes: ['notes:read'],
      resource: app.mcpUrl,
      subject: USER.subject,
    };
    await app.store.set(CODES.key(secretKey(code)), record, 60_000);
    expectOAuthError(await exchangeCode(app, pub1, code, pkce().verifier), 400, 'invalid_grant');
    await app.store.set(CODES.key(secretKey(code)), record, 60_000);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pub1.redirect_uris[0],
      client_id: pub1.client_id,
    };
    expectOAuthError(await postForm(app.url('/token'), form), 400, 'invalid_grant');
  });

  it('TK-10 / P-13: after one wrong verifier the code is burnt, so brute force gets nowhere', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    for (let i = 0; i < 100; i++) {
      expectOAuthError(await exchangeCode(app, pub1, code, pkce().verifier), 400, 'invalid_grant');
    }
    expectOAuthError(await exchangeCode(app, pub1, code, verifier), 400, 'invalid_grant');
  });

  it('TK-11: resource at the token endpoint: another one or two → invalid_target; omitted → aud is the authorize-time resource', async () => {
    const a = await authorizeCode(app, pub1, { resource: app.mcpUrl });
    expectOAuthError(
      await exchangeCode(app, pub1, a.code, a.verifier, { resource: 'http://127.0.0.1:1/mcp' }),
      400,
      'invalid_target',
    );
    const b = await authorizeCode(app, pub1, { resource: app.mcpUrl });
    const twice = new URLSearchParams({
      grant_type: 'authorization_code',
      code: b.code,
      code_verifier: b.verifier,
      redirect_uri: pub1.redirect_uris[0],
      client_id: pub1.client_id,
    });
    twice.append('resource', app.mcpUrl);
    twice.append('resource', 'http://127.0.0.1:1/mcp');
    expectOAuthError(await postForm(app.url('/token'), twice), 400, 'invalid_target');
    const c = await authorizeCode(app, pub1, { resource: app.mcpUrl });
    const omitted = await exchangeCode(app, pub1, c.code, c.verifier);
    expect(decodeJwt(omitted.body!.access_token as string).aud).toBe(app.mcpUrl);
  });

  it.each([
    ['missing', 'invalid_request', undefined],
    ['password', 'unsupported_grant_type', 'password'],
    ['implicit', 'unsupported_grant_type', 'implicit'],
    ['device_code', 'unsupported_grant_type', 'urn:ietf:params:oauth:grant-type:device_code'],
    ['token-exchange', 'unsupported_grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'],
  ])('TK-12: grant_type %s → %s', async (_name, error, grantType) => {
    const form: Record<string, string> = { client_id: pub1.client_id };
    if (grantType) form.grant_type = grantType;
    expectOAuthError(await postForm(app.url('/token'), form), 400, error);
  });

  it('TK-12: client_credentials for a public client, refresh_token for a client without that grant → refused', async () => {
    const cc = await postForm(app.url('/token'), { grant_type: 'client_credentials', client_id: pub1.client_id });
    // Level 3 has no client_credentials grant; level 4 requires client authentication for it,
    // which a public client cannot give (RFC 6749 §4.4.2, §5.2: 401 invalid_client).
    if (level === 'server') expectOAuthError(cc, 401, 'invalid_client');
    else expectOAuthError(cc, 400, 'unsupported_grant_type');
    const rt = await refreshTokens(app, codeOnly, 'r'.repeat(43));
    expectOAuthError(rt, 400, 'unauthorized_client');
    // Such a client gets no refresh token either.
    const tokens = await obtainTokens(app, codeOnly);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('TK-13: GET → 405; JSON → invalid_request; query parameters are not read; duplicates and bracket values → invalid_request', async () => {
    const get = await fetch(app.url('/token?grant_type=authorization_code'));
    expect(get.status).toBe(405);
    expect(get.headers.get('cache-control')).toBe('no-store');
    const { code, verifier } = await authorizeCode(app, pub1);
    const base = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: pub1.redirect_uris[0],
      client_id: pub1.client_id,
    };
    const json = await fetch(app.url('/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...base, code_verifier: verifier }),
    });
    expectOAuthError(
      {
        status: json.status,
        headers: json.headers,
        text: await json.clone().text(),
        body: (await json.json()) as never,
      },
      400,
      'invalid_request',
    );
    const inQuery = await postForm(`${app.url('/token')}?code_verifier=${verifier}`, base);
    expect(inQuery.status).toBe(400);
    expect(['invalid_grant', 'invalid_request']).toContain(inQuery.body?.error);
    for (const raw of [
      `${new URLSearchParams({ ...base, code_verifier: verifier })}&code=other`,
      `grant_type=authorization_code&client_id=${pub1.client_id}&code[$ne]=1&code_verifier=${verifier}`,
      `grant_type=authorization_code&client_id=${pub1.client_id}&code[]=a&code_verifier=${verifier}`,
      `grant_type=authorization_code&grant_type=refresh_token&client_id=${pub1.client_id}`,
    ]) {
      expectOAuthError(await postForm(app.url('/token'), raw), 400, 'invalid_request');
    }
  });

  it('TK-14: a 1 MB code → 413; 10 KB code or verifier → invalid_request before any store lookup', async () => {
    const huge = await postForm(app.url('/token'), { grant_type: 'authorization_code', code: 'c'.repeat(1_000_000) });
    expect(huge.status).toBe(413);
    const mark = app.store.mark();
    const longCode = await postForm(app.url('/token'), {
      grant_type: 'authorization_code',
      client_id: pub1.client_id,
      code: 'c'.repeat(10_240),
      code_verifier: pkce().verifier,
    });
    expectOAuthError(longCode, 400, 'invalid_request');
    const longVerifier = await postForm(app.url('/token'), {
      grant_type: 'authorization_code',
      client_id: pub1.client_id,
      code: 'c'.repeat(43),
      code_verifier: 'v'.repeat(10_240),
    });
    expectOAuthError(longVerifier, 400, 'invalid_request');
    expect(app.store.log.slice(mark).filter((op) => op.namespaces.includes('oauth-code'))).toEqual([]);
  });

  it('TK-15: confidential client authentication (wrong secret, two methods, wrong method, query secret, special characters)', async () => {
    const basic = (id: string, secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const form = { grant_type: 'refresh_token', refresh_token: 'r'.repeat(43) };
    const wrong = await postForm(app.url('/token'), form, { authorization: basic(conf1.client_id, 'wrong') });
    expectOAuthError(wrong, 401, 'invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const both = await postForm(
      app.url('/token'),
      { ...form, client_secret: conf1.client_secret! },
      { authorization: basic(conf1.client_id, conf1.client_secret!) },
    );
    expectOAuthError(both, 400, 'invalid_request');
    const wrongMethod = await postForm(app.url('/token'), {
      ...form,
      client_id: conf1.client_id,
      client_secret: conf1.client_secret!,
    });
    expectOAuthError(wrongMethod, 401, 'invalid_client');
    const none = await postForm(app.url('/token'), { ...form, client_id: conf1.client_id });
    expectOAuthError(none, 401, 'invalid_client');
    const inQuery = await postForm(
      `${app.url('/token')}?client_id=${conf1.client_id}&client_secret=${conf1.client_secret}`,
      form,
    );
    expectOAuthError(inQuery, 401, 'invalid_client');
    // Authentication succeeds: the (bogus) refresh token is what fails, with 400.
    const right = await postForm(app.url('/token'), form, {
      authorization: basic(conf1.client_id, conf1.client_secret!),
    });
    expectOAuthError(right, 400, 'invalid_grant');
    const special = await postForm(app.url('/token'), form, { authorization: basic('conf-special', SPECIAL_SECRET) });
    expectOAuthError(special, 400, 'invalid_grant');
  });

  it("TK-16: the response holds only this server's tokens; sub is the stable user id; jti unique; scope within consent", async () => {
    const tokens = await obtainTokens(app, pub1);
    expect(
      Object.keys(tokens)
        .filter((k) => k !== 'authorization')
        .sort(),
    ).toEqual(['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type']);
    const jwks = createRemoteJWKSet(new URL(app.url('/jwks')));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: app.issuer,
      audience: app.mcpUrl,
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toBe('as-test-1');
    expect(payload.sub).toBe(USER.subject);
    expect(payload.sub).not.toContain('@');
    for (const claim of Object.keys(payload)) {
      expect(claim).not.toMatch(/upstream|refresh|id_token|secret|access_token/i);
    }
    expect(tokens.scope.split(' ').every((scope) => ['notes:read', 'notes:write'].includes(scope))).toBe(true);
    const jtis = new Set<string>([payload.jti!]);
    let refresh = tokens.refresh_token;
    for (let i = 0; i < 30; i++) {
      const next = await refreshTokens(app, pub1, refresh);
      expect(next.status).toBe(200);
      refresh = next.body!.refresh_token as string;
      jtis.add(decodeJwt(next.body!.access_token as string).jti!);
    }
    expect(jtis.size).toBe(31);
  });

  it('TK-18: codes are unique, 256-bit random strings that encode nothing', async () => {
    const codes: string[] = [];
    const authorization = await authorizeCode(app, pub1);
    codes.push(authorization.code);
    for (let i = 0; i < 24; i++)
      codes.push((await authorizeCode(app, pub1, {}, { browser: authorization.browser })).code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(code, 'base64url').length * 8).toBe(256);
      expect(code).not.toContain(pub1.client_id);
      expect(Buffer.from(code, 'base64url').toString('latin1')).not.toContain(USER.subject);
    }
  });

  it('CORS: POST /token is callable from browser-based clients, without credentials', async () => {
    const preflight = await fetch(app.url('/token'), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

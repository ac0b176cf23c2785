import { startAsApp, type AsApp } from './support/as-app.js';
import { expectCleanBody, expectOAuthError } from './support/expectations.js';
import {
  callMcp,
  obtainTokens,
  postForm,
  PUB2_REDIRECT,
  refreshTokens,
  registerClient,
  revokeToken,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS } from './support/levels.js';

/**
 * Security catalog 1.10 (RFC 7009 revocation) against both levels, and policy P-10 on this
 * instance: revoking a refresh or access token revokes its grant, and the grant's access tokens
 * fail at /mcp at once on the revoking instance (≤ 10 s on the others: multi-instance suite).
 */
describe.each(AS_LEVELS)('revocation, %s', (_label, level) => {
  let app: AsApp;
  let pub1: RegisteredClient;
  let pub2: RegisteredClient;
  let conf1: RegisteredClient;

  beforeAll(async () => {
    app = await startAsApp({ level });
    pub1 = await registerClient(app);
    pub2 = await registerClient(app, { redirect_uris: [PUB2_REDIRECT] });
    conf1 = await registerClient(app, { token_endpoint_auth_method: 'client_secret_basic' });
  });
  afterAll(() => app?.close());
  afterEach(() => app.clock.reset());

  /** A 200 with an empty JSON object, no-store (RFC 7009 §2.2). */
  function expectRevoked(response: Awaited<ReturnType<typeof revokeToken>>) {
    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    expect(response.headers.get('cache-control')).toBe('no-store');
  }

  it('RV-01 / P-10: revoking a refresh token ends the grant: refresh → invalid_grant, its access token → 401 at once', async () => {
    const tokens = await obtainTokens(app, pub1);
    // The access token is in use (and its "not revoked" answer cached) before the revocation.
    expect((await callMcp(app, tokens.access_token)).status).toBe(200);
    expectRevoked(await revokeToken(app, pub1, tokens.refresh_token));
    expectOAuthError(await refreshTokens(app, pub1, tokens.refresh_token), 400, 'invalid_grant');
    const mcp = await callMcp(app, tokens.access_token);
    expect(mcp.status).toBe(401);
    expect(mcp.challenge).toContain('error="invalid_token"');
  });

  it.each([
    ['"x"', () => 'x'],
    ['a random 43-character value', () => 'r'.repeat(43)],
    ['a forged JWT', () => 'eyJhbGciOiJub25lIn0.eyJnaWQiOiJ4In0.'],
  ])('RV-02: %s → 200, no oracle, nothing changes', async (_name, token) => {
    const tokens = await obtainTokens(app, pub1);
    const mark = app.store.mark();
    expectRevoked(await revokeToken(app, pub1, token()));
    expect(app.store.writtenSince(mark)).toEqual([]);
    expect((await refreshTokens(app, pub1, tokens.refresh_token)).status).toBe(200);
  });

  it('RV-02: an expired access token → 200, and its grant is revoked', async () => {
    const tokens = await obtainTokens(app, pub1);
    app.clock.advance(3_601_000);
    expectRevoked(await revokeToken(app, pub1, tokens.access_token));
    expectOAuthError(await refreshTokens(app, pub1, tokens.refresh_token), 400, 'invalid_grant');
  });

  it("RV-03: another client's token is not revoked (public caller: silent 200; confidential caller: 200)", async () => {
    const tokens = await obtainTokens(app, pub1);
    expectRevoked(await revokeToken(app, pub2, tokens.refresh_token));
    expectRevoked(await revokeToken(app, pub2, tokens.access_token));
    expectRevoked(await revokeToken(app, conf1, tokens.refresh_token));
    expect((await callMcp(app, tokens.access_token)).status).toBe(200);
    expect((await refreshTokens(app, pub1, tokens.refresh_token)).status).toBe(200);
  });

  it('RV-04: token missing → 400 invalid_request', async () => {
    expectOAuthError(await postForm(app.url('/revoke'), { client_id: pub1.client_id }), 400, 'invalid_request');
  });

  it.each([['access_token'], ['foo']])(
    'RV-05: token_type_hint=%s on a refresh token still revokes it',
    async (hint) => {
      const tokens = await obtainTokens(app, pub1);
      expectRevoked(await revokeToken(app, pub1, tokens.refresh_token, { token_type_hint: hint }));
      expectOAuthError(await refreshTokens(app, pub1, tokens.refresh_token), 400, 'invalid_grant');
    },
  );

  it('RV-06 / P-10: revoking an access token revokes its grant: /mcp → 401 at once, and the refresh token dies too', async () => {
    const tokens = await obtainTokens(app, pub1);
    expect((await callMcp(app, tokens.access_token)).status).toBe(200);
    expectRevoked(await revokeToken(app, pub1, tokens.access_token, { token_type_hint: 'access_token' }));
    expect((await callMcp(app, tokens.access_token)).status).toBe(401);
    expectOAuthError(await refreshTokens(app, pub1, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('RV-08: a confidential client without authentication → 401 invalid_client; an unknown client → 401', async () => {
    const tokens = await obtainTokens(app, conf1);
    expectOAuthError(
      await postForm(app.url('/revoke'), { token: tokens.refresh_token, client_id: conf1.client_id }),
      401,
      'invalid_client',
    );
    expectOAuthError(
      await postForm(app.url('/revoke'), { token: tokens.refresh_token, client_id: 'u'.repeat(22) }),
      401,
      'invalid_client',
    );
    expect((await refreshTokens(app, conf1, tokens.refresh_token)).status).toBe(200);
  });

  it('RV-09: GET → 405, a JSON body → 400 invalid_request', async () => {
    const get = await fetch(app.url('/revoke?token=x'));
    expect(get.status).toBe(405);
    expectCleanBody(await get.text());
    const json = await fetch(app.url('/revoke'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', client_id: pub1.client_id }),
    });
    const text = await json.text();
    expectOAuthError(
      { status: json.status, headers: json.headers, text, body: JSON.parse(text) },
      400,
      'invalid_request',
    );
  });

  if (level === 'proxy') {
    it('RV-07: revoking a proxy grant also revokes the upstream token; an upstream failure does not turn into a 500', async () => {
      const upstream = app.upstream!;
      const revocations = () => upstream.hits.get('/token/revocation') ?? 0;
      const first = await obtainTokens(app, pub1);
      const before = revocations();
      expectRevoked(await revokeToken(app, pub1, first.refresh_token));
      expect(revocations()).toBeGreaterThan(before);

      const second = await obtainTokens(app, pub1);
      upstream.fault({ path: '/token/revocation', status: 500, body: '{"error":"server_error"}' });
      try {
        expectRevoked(await revokeToken(app, pub1, second.refresh_token));
      } finally {
        upstream.clearFaults();
      }
      expectOAuthError(await refreshTokens(app, pub1, second.refresh_token), 400, 'invalid_grant');
    });
  }
});

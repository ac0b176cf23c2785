import { decodeJwt } from 'jose';
import { StoreNamespace, secretKey } from 'nestjs-mcp-auth';
import { startAsApp, type AsApp } from './support/as-app.js';
import { expectOAuthError } from './support/expectations.js';
import {
  authorizeCode,
  callMcp,
  obtainTokens,
  postForm,
  PUB2_REDIRECT,
  refreshTokens,
  registerClient,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS } from './support/levels.js';

/** Live refresh tokens (grant-records.ts), stored under their hash. */
const REFRESH_TOKENS = new StoreNamespace<unknown>('oauth-rt');

/**
 * Security catalog 1.9 (refresh_token grant) against both levels, and policy P-9 (a 10 s grace
 * window for benign retries of a rotated refresh token). The rows about the upstream's own
 * refresh (R-08 … R-10) are the proxy's (test/proxy/): a refresh here never calls the upstream.
 */
describe.each(AS_LEVELS)('refresh tokens, %s', (_label, level) => {
  let app: AsApp;
  let pub1: RegisteredClient;
  let pub2: RegisteredClient;

  beforeAll(async () => {
    // A 1-hour refresh-token lifetime, so R-06 can pass it without outliving the client (30 days).
    app = await startAsApp({ level, as: { refreshTokenTtlSeconds: 3600 } });
    pub1 = await registerClient(app);
    pub2 = await registerClient(app, { redirect_uris: [PUB2_REDIRECT] });
  });
  afterAll(() => app?.close());
  // Tests move the server's clock; at level 3 a clock far ahead of the upstream's would reject
  // its fresh ID tokens as expired, so every test starts at wall time again.
  afterEach(() => app.clock.reset());

  const rt = async (scope?: string) => (await obtainTokens(app, pub1, scope ? { scope } : {})).refresh_token;

  it('R-01: rotation; a replay after the grace window revokes the whole family (RT and access tokens)', async () => {
    const rt1 = await rt();
    const second = await refreshTokens(app, pub1, rt1);
    expect(second.status).toBe(200);
    const rt2 = second.body!.refresh_token as string;
    expect(rt2).not.toBe(rt1);
    expect((await callMcp(app, second.body!.access_token as string)).status).toBe(200);
    expect(second.headers.get('cache-control')).toBe('no-store');
    app.clock.advance(11_000);
    expectOAuthError(await refreshTokens(app, pub1, rt1), 400, 'invalid_grant');
    expectOAuthError(await refreshTokens(app, pub1, rt2), 400, 'invalid_grant');
    // P-10: the family's access tokens are revoked with it.
    expect((await callMcp(app, second.body!.access_token as string)).status).toBe(401);
  });

  it('P-9: a replay within 10 s is a benign retry (a fresh pair, one chain survives); the same replay after 10 s revokes the family', async () => {
    const rt1 = await rt();
    const lost = await refreshTokens(app, pub1, rt1);
    expect(lost.status).toBe(200);
    app.clock.advance(9_000);
    const retry = await refreshTokens(app, pub1, rt1);
    expect(retry.status).toBe(200);
    const rt3 = retry.body!.refresh_token as string;
    expect(rt3).not.toBe(lost.body!.refresh_token);
    const next = await refreshTokens(app, pub1, rt3);
    expect(next.status).toBe(200);
    expect((await callMcp(app, next.body!.access_token as string)).status).toBe(200);

    app.clock.advance(10_001);
    expectOAuthError(await refreshTokens(app, pub1, rt1), 400, 'invalid_grant');
    expectOAuthError(await refreshTokens(app, pub1, next.body!.refresh_token as string), 400, 'invalid_grant');
  });

  it('R-02 / P-9: two concurrent refreshes with one token → never two live refresh tokens; one chain survives', async () => {
    const rt1 = await rt();
    const results = await Promise.all([refreshTokens(app, pub1, rt1), refreshTokens(app, pub1, rt1)]);
    // Atomic consume: one rotates; the other is refused or, inside the grace window, treated as a
    // retry that re-rotates (so it may be 200 too) — but only one refresh token stays live.
    for (const result of results.filter((r) => r.status !== 200)) expectOAuthError(result, 400, 'invalid_grant');
    const returned = results.filter((r) => r.status === 200).map((r) => r.body!.refresh_token as string);
    expect(returned.length).toBeGreaterThanOrEqual(1);
    const live = [];
    for (const token of returned) if (await app.store.get(REFRESH_TOKENS.key(secretKey(token)))) live.push(token);
    expect(live).toHaveLength(1);
    expect((await refreshTokens(app, pub1, live[0])).status).toBe(200);
  });

  it("R-03: pub1's refresh token used by pub2 → invalid_grant, and it still works for pub1", async () => {
    const rt1 = await rt();
    expectOAuthError(await refreshTokens(app, pub2, rt1), 400, 'invalid_grant');
    expect((await refreshTokens(app, pub1, rt1)).status).toBe(200);
  });

  it('R-04: a refresh cannot add scopes; a narrower one narrows the access token, not the grant', async () => {
    const rt1 = await rt('notes:read notes:write');
    expectOAuthError(await refreshTokens(app, pub1, rt1, { scope: 'notes:read admin' }), 400, 'invalid_scope');
    expectOAuthError(
      await refreshTokens(app, pub1, rt1, { scope: 'notes:read notes:write extra' }),
      400,
      'invalid_scope',
    );
    const narrower = await refreshTokens(app, pub1, rt1, { scope: 'notes:read' });
    expect(narrower.status).toBe(200);
    expect(narrower.body!.scope).toBe('notes:read');
    expect(decodeJwt(narrower.body!.access_token as string).scope).toBe('notes:read');
    const full = await refreshTokens(app, pub1, narrower.body!.refresh_token as string);
    expect(full.status).toBe(200);
    expect(full.body!.scope).toBe('notes:read notes:write');
  });

  it('R-05: resource = another server, or two resources → invalid_target', async () => {
    const rt1 = await rt();
    expectOAuthError(
      await refreshTokens(app, pub1, rt1, { resource: 'http://127.0.0.1:1/mcp' }),
      400,
      'invalid_target',
    );
    const twice = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: rt1, client_id: pub1.client_id });
    twice.append('resource', app.mcpUrl);
    twice.append('resource', 'http://127.0.0.1:1/mcp');
    expectOAuthError(await postForm(app.url('/token'), twice), 400, 'invalid_target');
    const same = await refreshTokens(app, pub1, rt1, { resource: app.mcpUrl });
    expect(same.status).toBe(200);
    expect(decodeJwt(same.body!.access_token as string).aud).toBe(app.mcpUrl);
  });

  it('R-06: a refresh token past its lifetime (configured: 1 hour) → invalid_grant', async () => {
    const rt1 = await rt();
    app.clock.advance(3_600_000 + 1000);
    expectOAuthError(await refreshTokens(app, pub1, rt1), 400, 'invalid_grant');
  });

  it('R-07: an access token, a code, a 1 MB value, an array or nothing as refresh_token → invalid_grant / invalid_request / 413', async () => {
    const tokens = await obtainTokens(app, pub1);
    expectOAuthError(await refreshTokens(app, pub1, tokens.access_token), 400, 'invalid_grant');
    const { code } = await authorizeCode(app, pub1);
    expectOAuthError(await refreshTokens(app, pub1, code), 400, 'invalid_grant');
    const huge = await refreshTokens(app, pub1, 'r'.repeat(1_000_000));
    expect(huge.status).toBe(413);
    const array = `grant_type=refresh_token&client_id=${pub1.client_id}&refresh_token[]=x`;
    expectOAuthError(await postForm(app.url('/token'), array), 400, 'invalid_request');
    expectOAuthError(
      await postForm(app.url('/token'), { grant_type: 'refresh_token', client_id: pub1.client_id }),
      400,
      'invalid_request',
    );
    // None of these touched the real token.
    expect((await refreshTokens(app, pub1, tokens.refresh_token)).status).toBe(200);
  });
});

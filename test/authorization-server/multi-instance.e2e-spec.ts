import { decodeJwt } from 'jose';
import { startOidcUpstream } from '../fakes/oidc-upstream.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer } from '../helpers/redis-server.js';
import { parseBearerChallenge } from '../helpers/clients.js';
import { deploymentSecrets, startAsApp, type AsApp, type AsStorage, type DeploymentSecrets } from './support/as-app.js';
import { Browser } from './support/browser.js';
import { expectErrorPage, expectOAuthError } from './support/expectations.js';
import {
  authorizationUrl,
  authorizeCode,
  callMcp,
  D00,
  exchangeCode,
  obtainTokens,
  pkce,
  refreshTokens,
  register,
  registerClient,
  revokeToken,
  walkToClient,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS } from './support/levels.js';
import { TestClock } from './support/test-clock.js';

/** How long an instance believes "not revoked" (own-token.verifier.ts REVOCATION_CHECK_SECONDS, P-10). */
const REVOCATION_CHECK_MS = 10_000;

/** Retries a request while storage still answers 503 (Redis reconnecting), at most ~10 s. */
async function whenStorageIsBack<T extends { status: number }>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await request();
    if (response.status !== 503 || attempt >= 100) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Two instances of one deployment (same public URL, signing key, record key and upstream) on
 * one real redis-server, with requests spread between them as a load balancer would (security
 * catalog S-08, TK-03, R-02 across instances, P-10 across instances, fault scenarios F-13, F-15,
 * F-16, F-18 and a Redis restart).
 */
describe.each(AS_LEVELS)('two instances sharing Redis, %s', (_label, level) => {
  let redis: RedisServer;
  let secrets: DeploymentSecrets;
  let storage: AsStorage;
  let a: AsApp;
  let b: AsApp;
  let client: RegisteredClient;

  /** Another instance of the deployment (same public URL, keys, Redis and upstream). */
  const instance = (
    clock?: TestClock,
    overrides: Parameters<typeof startAsApp>[0] extends infer O ? Partial<O> : never = {},
  ) => startAsApp({ level, storage, secrets, publicOrigin: a.publicOrigin, upstream: a.upstream, clock, ...overrides });

  beforeAll(async () => {
    redis = await RedisServer.start();
    secrets = await deploymentSecrets();
    storage = { type: 'redis', url: redis.url, keyPrefix: `multi-${level}:` };
    a = await startAsApp({ level, storage, secrets });
    b = await instance();
    client = await registerClient(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.destroy();
  });
  afterEach(() => {
    a.clock.reset();
    b.clock.reset();
  });

  it('S-08: a flow whose consecutive requests alternate between the instances completes; tokens work on both', async () => {
    const browser = new Browser().alternate(a, b);
    const { verifier, challenge } = pkce();
    const start = await browser.get(authorizationUrl(a, client, { state: 'lb' }, challenge));
    const redirect = await walkToClient(browser, start, client.redirect_uris[0]);
    // Every step of the walk was served by one instance or the other, never twice in a row.
    const served = browser.visited.filter((line) => line.includes(`:${a.port}/`) || line.includes(`:${b.port}/`));
    expect(served.some((line) => line.includes(`:${a.port}/`))).toBe(true);
    expect(served.some((line) => line.includes(`:${b.port}/`))).toBe(true);
    expect(redirect.searchParams.get('state')).toBe('lb');
    expect(redirect.searchParams.get('iss')).toBe(a.issuer);

    const exchanged = await exchangeCode(b, client, redirect.searchParams.get('code')!, verifier);
    expect(exchanged.status).toBe(200);
    const tokens = exchanged.body as { access_token: string; refresh_token: string };
    expect((await callMcp(a, tokens.access_token)).status).toBe(200);
    expect((await callMcp(b, tokens.access_token)).status).toBe(200);
    const refreshed = await refreshTokens(a, client, tokens.refresh_token);
    expect(refreshed.status).toBe(200);
    expect((await refreshTokens(b, client, refreshed.body!.refresh_token as string)).status).toBe(200);
    // A client registered on one instance is known to the other.
    const registered = await registerClient(b);
    expect((await authorizeCode(a, registered)).code).toEqual(expect.any(String));
  });

  it('TK-03 / F-14: 50 concurrent redemptions of one code across both instances → exactly one success', async () => {
    const { code, verifier } = await authorizeCode(a, client);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => exchangeCode(i % 2 === 0 ? a : b, client, code, verifier)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const result of results.filter((r) => r.status !== 200)) expectOAuthError(result, 400, 'invalid_grant');
  });

  it('R-01 / R-02: refresh-token reuse is detected across instances and revokes the family everywhere', async () => {
    const tokens = await obtainTokens(a, client);
    expect((await callMcp(a, tokens.access_token)).status).toBe(200);
    const rotated = await refreshTokens(a, client, tokens.refresh_token);
    expect(rotated.status).toBe(200);
    // Past the grace window (P-9) on both instances, the old token comes back on the other one.
    a.clock.advance(11_000);
    b.clock.advance(11_000);
    expectOAuthError(await refreshTokens(b, client, tokens.refresh_token), 400, 'invalid_grant');
    expectOAuthError(await refreshTokens(a, client, rotated.body!.refresh_token as string), 400, 'invalid_grant');
    expect((await callMcp(a, rotated.body!.access_token as string)).status).toBe(401);
    expect((await callMcp(b, tokens.access_token)).status).toBe(401);
  });

  it('R-02: two concurrent refreshes of one token on the two instances leave exactly one live chain', async () => {
    const tokens = await obtainTokens(a, client);
    const results = await Promise.all([
      refreshTokens(a, client, tokens.refresh_token),
      refreshTokens(b, client, tokens.refresh_token),
    ]);
    for (const result of results.filter((r) => r.status !== 200)) expectOAuthError(result, 400, 'invalid_grant');
    const returned = results.filter((r) => r.status === 200).map((r) => r.body!.refresh_token as string);
    expect(returned.length).toBeGreaterThanOrEqual(1);
    // Past the grace window, exactly one of the returned tokens still works.
    a.clock.advance(11_000);
    const outcomes = [];
    for (const token of returned.reverse()) outcomes.push((await refreshTokens(a, client, token)).status);
    expect(outcomes.filter((status) => status === 200)).toHaveLength(1);
  });

  it('P-10: a revocation on one instance is enforced by the other within 10 seconds', async () => {
    const tokens = await obtainTokens(a, client);
    // Instance B has verified the token, so it holds a fresh "not revoked" answer.
    expect((await callMcp(b, tokens.access_token)).status).toBe(200);
    expect((await revokeToken(a, client, tokens.refresh_token)).status).toBe(200);
    expect((await callMcp(a, tokens.access_token)).status).toBe(401);
    b.clock.advance(REVOCATION_CHECK_MS + 1);
    const late = await callMcp(b, tokens.access_token);
    expect(late.status).toBe(401);
    expect(parseBearerChallenge(late.challenge)).toMatchObject({ error: 'invalid_token' });
  });

  it('F-18: instances whose clocks differ by 2 minutes still redeem each other’s codes and accept each other’s tokens', async () => {
    const ahead = await instance(new TestClock(120_000));
    try {
      const fromAhead = await authorizeCode(ahead, client);
      const onB = await exchangeCode(b, client, fromAhead.code, fromAhead.verifier);
      expect(onB.status).toBe(200);
      const fromB = await authorizeCode(b, client);
      const onAhead = await exchangeCode(ahead, client, fromB.code, fromB.verifier);
      expect(onAhead.status).toBe(200);
      // Tokens minted by the instance that runs ahead (iat 2 minutes "in the future") verify on B.
      expect((await callMcp(b, onAhead.body!.access_token as string)).status).toBe(200);
      expect((await callMcp(ahead, onB.body!.access_token as string)).status).toBe(200);
      expect((await refreshTokens(b, client, onAhead.body!.refresh_token as string)).status).toBe(200);
    } finally {
      await ahead.close();
    }
  });

  it('F-15: an instance restarted in the middle of an authorization: the next one completes it; earlier tokens still verify', async () => {
    const earlier = await obtainTokens(a, client);
    const first = await instance();
    const browser = new Browser(first);
    const { verifier, challenge } = pkce();
    let response = await browser.get(authorizationUrl(a, client, { state: 'restart' }, challenge));
    // Level 4: sign in on the first instance; level 3: approve consent there (upstream leg stored).
    for (let step = 0; step < 4 && response.status !== 200; step++) response = await browser.get(response.location!);
    const form = Browser.forms(response)[0];
    response =
      level === 'server'
        ? await browser.post(form.action, { ...form.fields, username: 'alice', password: 'wonderland' })
        : await browser.post(form.action, { ...form.fields, decision: 'approve' });
    expect(response.status).toBe(303);
    await first.close();
    const second = await instance();
    try {
      browser.instance = second;
      const redirect = await walkToClient(browser, response, client.redirect_uris[0]);
      expect(redirect.searchParams.get('state')).toBe('restart');
      expect((await exchangeCode(second, client, redirect.searchParams.get('code')!, verifier)).status).toBe(200);
      expect((await callMcp(second, earlier.access_token)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('F-16: an instance with another signing key or another resource rejects the deployment’s tokens (401 invalid_token)', async () => {
    const tokens = await obtainTokens(a, client);
    const otherKey = await instance(undefined, {
      secrets: { ...secrets, signingKeys: (await deploymentSecrets('rogue')).signingKeys },
    });
    const otherResource = await startAsApp({ level, storage, secrets, upstream: a.upstream });
    try {
      for (const misconfigured of [otherKey, otherResource]) {
        const response = await callMcp(misconfigured, tokens.access_token);
        expect(response.status).toBe(401);
        expect(parseBearerChallenge(response.challenge)).toMatchObject({ error: 'invalid_token' });
      }
    } finally {
      await otherKey.close();
      await otherResource.close();
    }
  });

  it('Redis restarted between two steps: the flow continues on the other instance, nothing is lost', async () => {
    const tokens = await obtainTokens(a, client);
    const pending = await authorizeCode(b, client);
    await redis.restart();
    const redeemed = await whenStorageIsBack(() => exchangeCode(a, client, pending.code, pending.verifier));
    expect(redeemed.status).toBe(200);
    expect((await whenStorageIsBack(() => refreshTokens(b, client, tokens.refresh_token))).status).toBe(200);
    expect((await callMcp(b, redeemed.body!.access_token as string)).status).toBe(200);
  });

  it('F-13: Redis down → both instances answer 503 temporarily_unavailable without internals; both recover', async () => {
    const tokens = await obtainTokens(a, client);
    await redis.stop();
    try {
      for (const app of [a, b]) {
        expectOAuthError(await refreshTokens(app, client, tokens.refresh_token), 503, 'temporarily_unavailable');
        expectOAuthError(await register(app, D00), 503, 'temporarily_unavailable');
        expectErrorPage(await new Browser(app).get(authorizationUrl(app, client)), 'temporarily_unavailable', 503);
      }
    } finally {
      await redis.restart();
    }
    const refreshed = await whenStorageIsBack(() => refreshTokens(b, client, tokens.refresh_token));
    expect(refreshed.status).toBe(200);
    expect((await whenStorageIsBack(() => register(a, D00))).status).toBe(201);
    expect(decodeJwt(refreshed.body!.access_token as string).client_id).toBe(client.client_id);
  });
});

describe.each(AS_LEVELS)('restart without shared state (F-15), %s', (_label, level) => {
  it('F-15: with the memory store a restart loses the authorization (clean 400); with an ephemeral key old tokens get 401 with resource_metadata', async () => {
    const port = await freePort();
    const upstream =
      level === 'proxy'
        ? await startOidcUpstream({ redirectUri: `http://127.0.0.1:${port}/oauth/callback` })
        : undefined;
    // No signing key configured: development signs with an ephemeral one.
    const first = await startAsApp({ level, port, upstream, as: { signingKeys: undefined } });
    let second: AsApp | undefined;
    try {
      const client = await registerClient(first);
      const tokens = await obtainTokens(first, client);
      const browser = new Browser(first);
      let response = await browser.get(authorizationUrl(first, client));
      for (let step = 0; step < 4 && response.status !== 200; step++) response = await browser.get(response.location!);
      const form = Browser.forms(response)[0];
      await first.close();
      second = await startAsApp({ level, port, upstream, secrets: first.secrets, as: { signingKeys: undefined } });
      browser.instance = second;
      const fields =
        level === 'server'
          ? { ...form.fields, username: 'alice', password: 'wonderland' }
          : { ...form.fields, decision: 'approve' };
      const lost = await browser.post(form.action, fields);
      expect(lost.status).toBeGreaterThanOrEqual(400);
      expect(lost.status).toBeLessThan(500);
      expect(lost.headers.get('location')).toBeNull();
      const old = await callMcp(second, tokens.access_token);
      expect(old.status).toBe(401);
      expect(parseBearerChallenge(old.challenge)).toMatchObject({
        error: 'invalid_token',
        resource_metadata: `${second.publicOrigin}/.well-known/oauth-protected-resource/mcp`,
      });
    } finally {
      await second?.close();
      await upstream?.close();
    }
  });
});

import { decodeJwt } from 'jose';
import { RecordCipher, StoreNamespace } from 'nestjs-mcp-auth';
import { upstreamSealContext } from '../../lib/proxy/upstream-token.accessor.js';
import type { UpstreamTokens } from '../../lib/proxy/upstream/upstream-tokens.interface.js';
import { RedisServer } from '../helpers/redis-server.js';
import { startAsApp, type AsApp } from './support/as-app.js';
import { Browser } from './support/browser.js';
import { expectCleanBody, expectErrorPage, expectOAuthError } from './support/expectations.js';
import {
  authorizationUrl,
  authorizeCode,
  callMcp,
  D00,
  exchangeCode,
  obtainTokens,
  openConsentPage,
  postForm,
  register,
  refreshTokens,
  registerClient,
  revokeToken,
  type RegisteredClient,
} from './support/flow.js';
import { AS_LEVELS, USER } from './support/levels.js';
import { LogCapture } from './support/log-capture.js';
import { deleteRedisPrefix, dumpRedis } from './support/redis-dump.js';

const GRANTS = new StoreNamespace<{ upstream?: string; subject: string; clientId: string }>('oauth-grant');
const MINUTES_10 = 600_000;
const DAYS_30 = 30 * 86_400_000;

/** Longest TTL each record kind may have (S-02); anything else must merely expire. */
const TTL_BOUNDS: Record<string, number> = {
  'oauth-tx': MINUTES_10,
  'oauth-code': MINUTES_10,
  'oauth-upstream-leg': MINUTES_10,
  'dcr-rate': 60_000,
  'oauth-code-used': 3_600_000,
  'oauth-rt': DAYS_30,
  'oauth-rt-rotated': DAYS_30,
  'oauth-grant': DAYS_30,
  'oauth-revoked': DAYS_30,
  'oauth-client': DAYS_30,
  'oauth-user-grants': DAYS_30,
};

/** Retries a request while storage still answers 503 (Redis reconnecting), at most ~10 s. */
async function whenStorageIsBack<T extends { status: number }>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await request();
    if (response.status !== 503 || attempt >= 100) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Security catalog 1.11 (storage) and 1.12 (HTTP surface) for the authorization-server endpoints
 * on a real redis-server, plus R-11 and the single-instance fault scenarios F-12 (data loss),
 * F-13 (Redis down), F-14 / S-06 (a failing write) and a Redis restart. Both levels share one
 * redis-server under different key prefixes.
 */
describe.each(AS_LEVELS)('OAuth state in Redis, %s', (_label, level) => {
  const prefix = `as-${level}:`;
  const logs = new LogCapture();
  /** Every secret the tests handled, for the log check (TR-04). */
  const secrets = new Set<string>();
  let redis: RedisServer;
  let app: AsApp;
  let pub1: RegisteredClient;
  let conf1: RegisteredClient;

  beforeAll(async () => {
    redis = await RedisServer.start();
    app = await startAsApp({
      level,
      storage: { type: 'redis', url: redis.url, keyPrefix: prefix },
      logger: logs,
      extraUsers: [{ username: 'bob', password: 'builder' }],
    });
    pub1 = await registerClient(app);
    conf1 = await registerClient(app, { token_endpoint_auth_method: 'client_secret_basic' });
    secrets.add(conf1.client_secret!);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  /** The upstream tokens sealed in a grant (level 3), opened with the deployment's key. */
  async function upstreamTokensOf(accessToken: string): Promise<UpstreamTokens> {
    const claims = decodeJwt(accessToken) as { gid: string; sub: string; client_id: string };
    const grant = await app.store.get(GRANTS.key(claims.gid));
    const cipher = new RecordCipher(app.secrets.encryptionKeys);
    return cipher.open(
      grant!.upstream as never,
      upstreamSealContext(claims.sub, claims.client_id),
    ) as Promise<UpstreamTokens>;
  }

  it('S-01 / R-11: after a flow, a refresh and a revocation, no code, refresh token, secret or upstream token is stored in clear', async () => {
    const first = await obtainTokens(app, pub1);
    const refreshed = await refreshTokens(app, pub1, first.refresh_token);
    expect(refreshed.status).toBe(200);
    const current = refreshed.body!.refresh_token as string;
    const confidential = await obtainTokens(app, conf1);
    expect((await revokeToken(app, conf1, confidential.refresh_token)).status).toBe(200);
    const pending = await authorizeCode(app, pub1);
    const clear = [
      first.refresh_token,
      current,
      confidential.refresh_token,
      conf1.client_secret!,
      pending.code,
      pending.verifier,
      first.authorization.code,
      first.access_token,
    ];
    if (level === 'proxy') {
      const upstream = await upstreamTokensOf(refreshed.body!.access_token as string);
      expect(upstream.accessToken).toEqual(expect.any(String));
      expect(upstream.refreshToken).toEqual(expect.any(String));
      clear.push(upstream.accessToken, upstream.refreshToken!, ...(upstream.idToken ? [upstream.idToken] : []));
      // The grant keeps them only sealed (AES-256-GCM with the configured record key).
      const grantId = decodeJwt(refreshed.body!.access_token as string).gid as string;
      expect((await app.store.get(GRANTS.key(grantId)))!.upstream).toEqual(expect.any(String));
    }
    for (const secret of clear) secrets.add(secret);
    const records = await dumpRedis(redis, prefix);
    expect(records.length).toBeGreaterThan(5);
    const everything = records.map((record) => `${record.key}\n${record.value}`).join('\n');
    for (const secret of clear) expect(everything).not.toContain(secret);
    // Secrets are addressed by their SHA-256: the refresh token's record exists under its hash.
    expect(records.some((record) => record.namespace === 'oauth-rt')).toBe(true);
  });

  it('S-02: every key expires; transactions, codes and upstream legs within 10 minutes, the rest within their lifetimes', async () => {
    // Leave an authorization pending at every stage: an open consent page, a code not yet redeemed.
    await openConsentPage(app, pub1);
    const approving = new Browser(app);
    const consent = await openConsentPage(app, pub1, {}, approving);
    const form = Browser.forms(consent).find((f) => f.buttons.some(([name]) => name === 'decision'))!;
    const approved = await approving.post(form.action, { ...form.fields, decision: 'approve' });
    expect(approved.status).toBe(303);
    await authorizeCode(app, pub1);
    const records = await dumpRedis(redis, prefix);
    const namespaces = new Set(records.map((record) => record.namespace));
    for (const expected of ['oauth-tx', 'oauth-code', 'oauth-grant', 'oauth-rt', 'oauth-client']) {
      expect(namespaces).toContain(expected);
    }
    if (level === 'proxy') expect(namespaces).toContain('oauth-upstream-leg');
    for (const record of records) {
      const context = `${record.namespace} ${record.pttl}`;
      expect({ context, expires: record.pttl > 0 }).toEqual({ context, expires: true });
      const bound = TTL_BOUNDS[record.namespace];
      if (bound !== undefined) expect({ context, within: record.pttl <= bound }).toEqual({ context, within: true });
    }
  });

  it("S-04: two users' grants stay apart: each token maps to its own user and, at level 3, its own upstream tokens", async () => {
    const alice = await obtainTokens(app, pub1);
    const bob = await obtainTokens(app, pub1, {}, { user: { username: 'bob', password: 'builder' } });
    expect(decodeJwt(alice.access_token).sub).toBe(USER.subject);
    expect(decodeJwt(bob.access_token).sub).toBe('bob');
    const whoami = async (token: string) =>
      JSON.parse(JSON.parse((await callMcp(app, token)).text).result.content[0].text);
    expect((await whoami(alice.access_token)).sub).toBe(USER.subject);
    expect((await whoami(bob.access_token)).sub).toBe('bob');
    if (level === 'proxy') {
      const aliceUpstream = await upstreamTokensOf(alice.access_token);
      const bobUpstream = await upstreamTokensOf(bob.access_token);
      expect(aliceUpstream.accessToken).not.toBe(bobUpstream.accessToken);
      // Alice's sealed record cannot be opened as Bob's (a record copied between grants is useless).
      const aliceGrant = await app.store.get(GRANTS.key(decodeJwt(alice.access_token).gid as string));
      const cipher = new RecordCipher(app.secrets.encryptionKeys);
      await expect(
        cipher.open(aliceGrant!.upstream as never, upstreamSealContext('bob', pub1.client_id)),
      ).rejects.toThrow();
      for (const token of [aliceUpstream.accessToken, bobUpstream.accessToken]) secrets.add(token);
    }
  });

  it('S-06 / F-14: a store failure while issuing answers 503 and leaves the old credential usable', async () => {
    const { code, verifier } = await authorizeCode(app, pub1);
    app.store.fault = (operation) => operation.op === 'commit' && operation.writes.includes('oauth-grant');
    try {
      const failed = await exchangeCode(app, pub1, code, verifier);
      expectOAuthError(failed, 503, 'temporarily_unavailable');
      expect(failed.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
      expect(failed.body).not.toHaveProperty('access_token');
    } finally {
      app.store.fault = undefined;
    }
    const redeemed = await exchangeCode(app, pub1, code, verifier);
    expect(redeemed.status).toBe(200);

    const rt1 = redeemed.body!.refresh_token as string;
    app.store.fault = (operation) => operation.op === 'commit' && operation.writes.includes('oauth-rt');
    try {
      expectOAuthError(await refreshTokens(app, pub1, rt1), 503, 'temporarily_unavailable');
    } finally {
      app.store.fault = undefined;
    }
    expect((await refreshTokens(app, pub1, rt1)).status).toBe(200);

    app.store.fault = (operation) => operation.writes.includes('oauth-client') && operation.op === 'setIfAbsent';
    try {
      expectOAuthError(await register(app, D00), 503, 'temporarily_unavailable');
    } finally {
      app.store.fault = undefined;
    }
    app.store.fault = (operation) => operation.writes.includes('oauth-tx');
    try {
      expectErrorPage(await new Browser(app).get(authorizationUrl(app, pub1)), 'temporarily_unavailable', 503);
    } finally {
      app.store.fault = undefined;
    }
  });

  it('Redis restart (graceful, append-only file): clients, codes, refresh tokens and grants survive', async () => {
    const tokens = await obtainTokens(app, pub1);
    const pending = await authorizeCode(app, pub1);
    await redis.restart();
    const redeemed = await whenStorageIsBack(() => exchangeCode(app, pub1, pending.code, pending.verifier));
    expect(redeemed.status).toBe(200);
    expect((await refreshTokens(app, pub1, tokens.refresh_token)).status).toBe(200);
    expect((await callMcp(app, tokens.access_token)).status).toBe(200);
    const again = await new Browser(app).get(authorizationUrl(app, pub1));
    expect([302, 303]).toContain(again.status);
  });

  it('F-12: data loss: a pending consent, a code, a refresh token and the client are gone — clean errors, no 500', async () => {
    const client = await registerClient(app);
    const tokens = await obtainTokens(app, client);
    const { code, verifier } = await authorizeCode(app, client);
    const browser = new Browser(app);
    const consent = await openConsentPage(app, client, {}, browser);
    const form = Browser.forms(consent).find((f) => f.buttons.some(([name]) => name === 'decision'))!;
    expect(await deleteRedisPrefix(redis, prefix)).toBeGreaterThan(0);

    const approve = await browser.post(form.action, { ...form.fields, decision: 'approve' });
    expect(approve.status).toBeGreaterThanOrEqual(400);
    expect(approve.status).toBeLessThan(500);
    expect(approve.headers.get('location')).toBeNull();
    expectOAuthError(await exchangeCode(app, client, code, verifier), 401, 'invalid_client');
    expectOAuthError(await refreshTokens(app, client, tokens.refresh_token), 401, 'invalid_client');
    expectErrorPage(await new Browser(app).get(authorizationUrl(app, client)), 'invalid_client');
    // The client registers again (as MCP SDKs do after invalid_client) and starts over.
    const again = await registerClient(app);
    expect((await obtainTokens(app, again)).access_token).toEqual(expect.any(String));
    pub1 = await registerClient(app);
    conf1 = await registerClient(app, { token_endpoint_auth_method: 'client_secret_basic' });
    secrets.add(conf1.client_secret!);
  });

  it('F-13: Redis down → 503 temporarily_unavailable with Retry-After and no internals on every endpoint; it recovers when Redis returns', async () => {
    const tokens = await obtainTokens(app, pub1);
    const unused = await obtainTokens(app, pub1);
    await redis.stop();
    try {
      for (const response of [
        await register(app, D00),
        await refreshTokens(app, pub1, tokens.refresh_token),
        await revokeToken(app, pub1, tokens.refresh_token),
        await postForm(app.url('/token'), {
          grant_type: 'authorization_code',
          code: 'c'.repeat(43),
          code_verifier: 'v'.repeat(43),
          client_id: pub1.client_id,
        }),
      ]) {
        expectOAuthError(response, 503, 'temporarily_unavailable');
        expect(response.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
      }
      const page = await new Browser(app).get(authorizationUrl(app, pub1));
      expectErrorPage(page, 'temporarily_unavailable', 503);
      // A token whose grant was never checked on this instance cannot be verified: 503, not 401.
      const mcp = await callMcp(app, unused.access_token);
      expect(mcp.status).toBe(503);
      expectCleanBody(mcp.text);
    } finally {
      await redis.restart();
    }
    expect((await whenStorageIsBack(() => refreshTokens(app, pub1, tokens.refresh_token))).status).toBe(200);
    expect((await callMcp(app, unused.access_token)).status).toBe(200);
    expect((await register(app, D00)).status).toBe(201);
  });

  it('TR-02: a hostile Origin never gets credentialed CORS on the AS endpoints', async () => {
    const origin = 'https://evil.example';
    for (const [path, method] of [
      ['/token', 'POST'],
      ['/register', 'POST'],
      ['/revoke', 'POST'],
      ['/authorize', 'GET'],
      ['/jwks', 'GET'],
      ['/.well-known/oauth-authorization-server', 'GET'],
    ] as const) {
      for (const requestMethod of ['OPTIONS', method]) {
        const response = await fetch(app.url(path), {
          method: requestMethod,
          redirect: 'manual',
          headers: {
            origin,
            'access-control-request-method': method,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: requestMethod === 'POST' ? 'x=1' : undefined,
        });
        expect(response.headers.get('access-control-allow-origin')).not.toBe(origin);
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      }
    }
  });

  it('TR-03: 2 MB bodies to /register, /token and /revoke → 413 without internals', async () => {
    const big = 'x'.repeat(2_000_000);
    const json = await register(app, { ...D00, client_name: big });
    expect(json.status).toBe(413);
    for (const path of ['/token', '/revoke']) {
      const response = await postForm(app.url(path), { token: big, code: big });
      expect(response.status).toBe(413);
      expectCleanBody(response.text);
    }
  });

  it('TR-04: nothing above logged a token, code, verifier, client secret or upstream token', () => {
    expect(secrets.size).toBeGreaterThan(8);
    const text = logs.text();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe.each(AS_LEVELS)('Redis under memory pressure (S-07), %s', (_label, level) => {
  let redis: RedisServer;
  let app: AsApp;

  beforeAll(async () => {
    redis = await RedisServer.start({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru'] });
    app = await startAsApp({
      level,
      storage: { type: 'redis', url: redis.url },
      as: { clientRegistration: { rateLimit: false } },
    });
  });
  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  it("S-07: evicted codes and refresh tokens fail with invalid_grant (or invalid_client), never with another user's data", async () => {
    const client = await registerClient(app);
    const tokens = await obtainTokens(app, client);
    const { code, verifier } = await authorizeCode(app, client);
    // A registration flood fills Redis until it evicts.
    for (let round = 0; round < 60; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () => register(app, { ...D00, client_name: 'f'.repeat(200) }).then((r) => r.status)),
      );
      for (const status of statuses) expect([201, 503]).toContain(status);
      const info = String(await redis.command('INFO', 'stats'));
      if (Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? 0) > 200) break;
    }
    expect(Number(/evicted_keys:(\d+)/.exec(String(await redis.command('INFO', 'stats')))?.[1])).toBeGreaterThan(0);
    const outcomes = [
      await exchangeCode(app, client, code, verifier),
      await refreshTokens(app, client, tokens.refresh_token),
    ];
    for (const outcome of outcomes) {
      if (outcome.status === 200) {
        const claims = decodeJwt(outcome.body!.access_token as string);
        expect(claims).toMatchObject({ sub: USER.subject, client_id: client.client_id });
      } else if (outcome.status === 401) {
        expectOAuthError(outcome, 401, 'invalid_client');
      } else {
        expectOAuthError(outcome, 400, 'invalid_grant');
      }
    }
  });
});

describe('production configuration of the AS (TR-05)', () => {
  it.each(AS_LEVELS)(
    'TR-05: %s refuses to start in production with a plain-http public issuer',
    async (_label, level) => {
      await expect(
        startAsApp({ level, module: { production: true }, as: { issuerUrl: 'http://auth.example.com' } }),
      ).rejects.toThrow(/https/);
    },
  );
});

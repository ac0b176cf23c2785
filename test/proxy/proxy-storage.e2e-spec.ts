import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import { startOidcUpstream, type OidcUpstream } from '../fakes/oidc-upstream.js';
import { fingerprint } from '../fixtures/proxy-upstream.tools.js';
import { MutableClock } from '../fixtures/verifier-app.js';
import { freePort } from '../helpers/free-port.js';
import { RedisServer } from '../helpers/redis-server.js';
import {
  authorization,
  callTool,
  decide,
  mcpCall,
  openConsent,
  ProxyBrowser,
  readConsent,
  redeem,
  registerClient,
  tokenRequest,
  upstreamUser,
} from './support/oauth-browser.js';
import { memoryRecords, startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { ALICE, oidcProxyModuleOptions } from './support/upstreams.js';

/** A compact JWE sealed with `alg: dir`, `enc: A256GCM` (the record cipher's format). */
const SEALED = /^eyJ[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Runs a user's whole flow by hand and collects every secret it produced along the way. */
async function flowWithSecrets(
  idp: OidcUpstream,
  callback: string,
  apps: { authorize: ProxyApp; consent: ProxyApp; callback: ProxyApp; token: ProxyApp },
  publicOrigin: string,
) {
  const onto = (app: ProxyApp, url: string | URL) => String(url).replace(publicOrigin, app.origin);
  const browser = new ProxyBrowser();
  const client = await registerClient(apps.authorize.origin);
  const auth = authorization(publicOrigin, `${publicOrigin}/mcp`, client, { scope: 'openid email profile' });
  const started = await browser.get(onto(apps.authorize, auth.url));
  expect(started.status).toBe(302);
  const page = await readConsent(browser, new URL(onto(apps.consent, started.location!)));
  const approved = await browser.post(onto(apps.consent, page.action), {
    csrf_token: page.csrfToken,
    decision: 'approve',
  });
  expect(approved.status).toBe(303);
  const returned = await upstreamUser(callback, ALICE).authorize(approved.location!);
  const finished = await browser.get(onto(apps.callback, returned));
  expect(finished.status).toBe(302);
  const redirect = new URL(finished.location!);
  const code = redirect.searchParams.get('code')!;
  const tokens = await redeem(apps.token.origin, { ...auth, redirect, code });
  return {
    client,
    tokens,
    secrets: {
      'the client’s PKCE verifier': auth.verifier,
      'the MCP authorization code': code,
      'the upstream authorization code': returned.searchParams.get('code')!,
      'the upstream client secret': idp.clientSecret,
      'the MCP refresh token': tokens.refresh_token,
    } as Record<string, string>,
  };
}

/** Adds the upstream tokens currently sealed in the grant to the secrets to look for. */
async function withUpstreamSecrets(app: ProxyApp, accessToken: string, secrets: Record<string, string>, label: string) {
  const { upstream } = await app.grantOf(accessToken);
  secrets[`${label} upstream access token`] = upstream!.accessToken;
  secrets[`${label} upstream refresh token`] = upstream!.refreshToken!;
  secrets[`${label} upstream ID token`] = upstream!.idToken!;
  // The JWT's signature alone is unique too: find it even if the token were split up.
  secrets[`${label} upstream ID token signature`] = upstream!.idToken!.split('.')[2];
}

/** Fails with the names of the secrets found in any stored key or value. */
function expectNoSecrets(records: Array<[string, string]>, secrets: Record<string, string>) {
  const found = Object.entries(secrets)
    .filter(([, secret]) => records.some(([key, value]) => key.includes(secret) || value.includes(secret)))
    .map(([name]) => name);
  expect(found).toEqual([]);
}

/** Every sealed upstream token set in the records is an authenticated-encryption JWE. */
function expectSealedUpstream(records: Array<[string, string]>) {
  const grants = records.filter(([key]) => key.includes('oauth-grant:'));
  expect(grants.length).toBeGreaterThan(0);
  for (const [, value] of grants) {
    const grant = JSON.parse(value) as { upstream?: string };
    expect(grant.upstream).toMatch(SEALED);
    expect(decodeProtectedHeader(grant.upstream!)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
  }
}

describe('proxy (level 3): upstream tokens at rest (S-01, S-02, R-11) — in-memory store', () => {
  let idp: OidcUpstream;
  let app: ProxyApp;
  let callback: string;

  beforeAll(async () => {
    const port = await freePort();
    callback = `http://127.0.0.1:${port}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp), {
      port,
      userApiUrl: `${idp.issuer}/me`,
    });
  });
  afterAll(async () => {
    await app?.close();
    await idp?.close();
  });

  it('S-01 / R-11: after the flow, our refresh, a transparent upstream refresh and a revocation, no secret is stored in clear', async () => {
    const { client, tokens, secrets } = await flowWithSecrets(
      idp,
      callback,
      { authorize: app, consent: app, callback: app, token: app },
      app.origin,
    );
    await withUpstreamSecrets(app, tokens.access_token, secrets, 'first');
    expectNoSecrets(memoryRecords(app.memory!), secrets);
    expectSealedUpstream(memoryRecords(app.memory!));

    const refreshed = await tokenRequest(app.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.clientId,
    });
    expect(refreshed.status).toBe(200);
    secrets['the rotated MCP refresh token'] = refreshed.body.refresh_token as string;
    const accessToken = refreshed.body.access_token as string;

    // The upstream token is due: the refresh flight leaves its result for other instances.
    app.clock.ms += 560_000;
    await callTool(app.mcpUrl, accessToken, 'upstream_profile');
    await withUpstreamSecrets(app, accessToken, secrets, 'refreshed');
    expect(secrets['refreshed upstream access token']).not.toBe(secrets['first upstream access token']);
    const records = memoryRecords(app.memory!);
    expect(records.some(([key]) => key.startsWith('flight:'))).toBe(true);
    expectNoSecrets(records, secrets);
    expectSealedUpstream(records);

    const revoked = await fetch(`${app.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: secrets['the rotated MCP refresh token'], client_id: client.clientId }),
    });
    expect(revoked.status).toBe(200);
    expectNoSecrets(memoryRecords(app.memory!), secrets);
  });

  it('S-01: while the user is at the upstream, the proxy’s own PKCE verifier and nonce are stored sealed, never in clear', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid' });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    const upstreamRequest = new URL(approved.location!);
    const challenge = upstreamRequest.searchParams.get('code_challenge')!;
    const nonce = upstreamRequest.searchParams.get('nonce')!;
    const legs = memoryRecords(app.memory!).filter(([key]) => key.startsWith('oauth-upstream-leg:'));
    expect(legs.length).toBeGreaterThan(0);
    for (const [, value] of legs) {
      expect(value).not.toContain(nonce);
      // No stored string is the verifier behind the challenge the upstream received.
      for (const candidate of value.match(/[A-Za-z0-9._~-]{43,128}/g) ?? []) {
        expect(createHash('sha256').update(candidate).digest('base64url')).not.toBe(challenge);
      }
      expect((JSON.parse(value) as { secrets: string }).secrets).toMatch(SEALED);
    }
    // And the sealed verifier works: the flow completes.
    const answer = await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
    expect(new URL(answer.location!).searchParams.get('code')).toEqual(expect.any(String));
  });

  it('S-02: the proxy’s transient records expire: upstream leg ≤ 10 min, code ≤ 60 s, refresh flight ≤ 10 s, grant ≤ 30 days', async () => {
    const browser = new ProxyBrowser();
    const client = await registerClient(app.origin);
    const auth = authorization(app.origin, app.mcpUrl, client, { scope: 'openid' });
    const approved = await decide(browser, await openConsent(browser, auth), 'approve');
    const entries = () => (app.memory as unknown as { entries: Map<string, { expiresAt: number }> }).entries;
    const ttls = (prefix: string) =>
      [...entries()].filter(([key]) => key.startsWith(prefix)).map(([, entry]) => entry.expiresAt - app.clock.now());
    expect(ttls('oauth-upstream-leg:').length).toBeGreaterThan(0);
    for (const ttl of ttls('oauth-upstream-leg:')) expect(ttl).toBeLessThanOrEqual(600_000);
    const answer = await browser.get(await upstreamUser(callback, ALICE).authorize(approved.location!));
    for (const ttl of ttls('oauth-code:')) expect(ttl).toBeLessThanOrEqual(60_000);
    const redirect = new URL(answer.location!);
    const tokens = await redeem(app.origin, { ...auth, redirect, code: redirect.searchParams.get('code')! });
    for (const ttl of ttls('oauth-grant:')) expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);
    app.clock.ms += 560_000;
    await callTool(app.mcpUrl, tokens.access_token, 'upstream_profile');
    expect(ttls('flight:').length).toBeGreaterThan(0);
    for (const ttl of ttls('flight:')) expect(ttl).toBeLessThanOrEqual(10_000);
    for (const ttl of [...entries()].map(([, entry]) => entry.expiresAt - app.clock.now())) {
      expect(Number.isFinite(ttl)).toBe(true);
    }
  });
});

/**
 * Two instances of the proxy share a real Redis server, signing keys and record-encryption keys
 * (S-08): every step of a flow may land on either instance, tokens work on both, and the
 * transparent upstream refresh runs once across both.
 */
describe('proxy (level 3): two instances on Redis (S-01, S-02, S-08, one refresh flight across instances)', () => {
  let redis: RedisServer;
  let idp: OidcUpstream;
  let a: ProxyApp;
  let b: ProxyApp;
  let publicOrigin: string;
  let callback: string;
  const clock = new MutableClock(Date.now());

  beforeAll(async () => {
    redis = await RedisServer.start();
    const [portA, portB] = [await freePort(), await freePort()];
    publicOrigin = `http://127.0.0.1:${portA}`;
    callback = `${publicOrigin}/oauth/callback`;
    idp = await startOidcUpstream({ redirectUri: callback });
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const shared = {
      signingKeys: [{ privateKey: { ...(await exportJWK(privateKey)), kid: 'shared-1' } }],
    };
    const storageEncryption = { keys: [{ id: 'rk1', key: randomBytes(32).toString('base64url') }] };
    // Both instances serve the same public URLs (the first instance's origin stands for the load balancer's).
    const options = () => ({ ...oidcProxyModuleOptions(publicOrigin, idp, shared), storageEncryption });
    const storage = { type: 'redis' as const, url: redis.url };
    a = await startProxyApp(options, { port: portA, storage, clock, userApiUrl: `${idp.issuer}/me` });
    b = await startProxyApp(options, { port: portB, storage, clock, userApiUrl: `${idp.issuer}/me` });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await idp?.close();
    await redis?.destroy();
  });

  /** `SCAN` + `TYPE` + value of every key (strings, hashes, lists, sets, sorted sets) and its `PTTL`. */
  async function dump(): Promise<Array<[string, string, number]>> {
    const admin = new Redis(redis.url);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await admin.scan(cursor, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const records: Array<[string, string, number]> = [];
      for (const key of keys) {
        const type = await admin.type(key);
        const value =
          type === 'string'
            ? ((await admin.get(key)) ?? '')
            : type === 'hash'
              ? JSON.stringify(await admin.hgetall(key))
              : type === 'list'
                ? JSON.stringify(await admin.lrange(key, 0, -1))
                : type === 'set'
                  ? JSON.stringify(await admin.smembers(key))
                  : JSON.stringify(await admin.zrange(key, 0, -1, 'WITHSCORES'));
        records.push([key, value, await admin.pttl(key)]);
      }
      return records;
    } finally {
      await admin.quit();
    }
  }

  it('S-08: a flow whose steps alternate between instances completes; its tokens work on both', async () => {
    const { tokens } = await flowWithSecrets(
      idp,
      callback,
      { authorize: a, consent: b, callback: a, token: b },
      publicOrigin,
    );
    for (const app of [a, b]) {
      expect(await callTool(app.mcpUrl, tokens.access_token, 'upstream_profile')).toMatchObject({
        status: 200,
        profile: { sub: 'alice' },
      });
    }
  });

  it('the transparent upstream refresh runs once across both instances, for concurrent calls on each', async () => {
    const { tokens } = await flowWithSecrets(
      idp,
      callback,
      { authorize: b, consent: a, callback: b, token: a },
      publicOrigin,
    );
    const before = await callTool(a.mcpUrl, tokens.access_token, 'upstream_token_info');
    clock.ms += 560_000;
    const hits = idp.hits.get('/token') ?? 0;
    const results = await Promise.all(
      [a, b, a, b, a, b, a, b].map((app) => callTool(app.mcpUrl, tokens.access_token, 'upstream_profile')),
    );
    expect((idp.hits.get('/token') ?? 0) - hits).toBe(1);
    const fingerprints = new Set(results.map((result) => result.upstreamToken));
    expect(fingerprints.size).toBe(1);
    expect([...fingerprints][0]).not.toBe(before.upstreamToken);
    const { upstream } = await b.grantOf(tokens.access_token);
    expect([...fingerprints][0]).toBe(fingerprint(upstream!.accessToken));
    clock.ms = Date.now();
  });

  it('S-01 / S-02: Redis holds no secret in clear, upstream tokens only sealed, and every key has a TTL', async () => {
    const { client, tokens, secrets } = await flowWithSecrets(
      idp,
      callback,
      { authorize: a, consent: a, callback: b, token: b },
      publicOrigin,
    );
    await withUpstreamSecrets(b, tokens.access_token, secrets, 'first');
    clock.ms += 560_000;
    await Promise.all([a, b].map((app) => callTool(app.mcpUrl, tokens.access_token, 'upstream_profile')));
    await withUpstreamSecrets(a, tokens.access_token, secrets, 'refreshed');
    const refreshed = await tokenRequest(a.origin, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: client.clientId,
    });
    secrets['the rotated MCP refresh token'] = refreshed.body.refresh_token as string;
    const records = await dump();
    expect(records.some(([key]) => key.includes('flight:'))).toBe(true);
    expectNoSecrets(
      records.map(([key, value]) => [key, value]),
      secrets,
    );
    expectSealedUpstream(records.map(([key, value]) => [key, value]));
    const withoutTtl = records.filter(([, , pttl]) => pttl < 0).map(([key]) => key);
    expect(withoutTtl).toEqual([]);
    for (const [key, , pttl] of records) {
      if (key.includes('oauth-upstream-leg:')) expect(pttl).toBeLessThanOrEqual(600_000);
      if (key.includes('oauth-tx:')) expect(pttl).toBeLessThanOrEqual(600_000);
      if (key.includes('flight:')) expect(pttl).toBeLessThanOrEqual(10_000);
    }
    clock.ms = Date.now();
  });

  it('P-10: a revocation on one instance stops the access token there at once and on the other within 10 s', async () => {
    const { client, tokens } = await flowWithSecrets(
      idp,
      callback,
      { authorize: a, consent: a, callback: a, token: a },
      publicOrigin,
    );
    expect((await mcpCall(a.mcpUrl, tokens.access_token, 'tools/list')).status).toBe(200);
    expect((await mcpCall(b.mcpUrl, tokens.access_token, 'tools/list')).status).toBe(200);
    const revoked = await fetch(`${b.origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token, client_id: client.clientId }),
    });
    expect(revoked.status).toBe(200);
    expect((await mcpCall(b.mcpUrl, tokens.access_token, 'tools/list')).status).toBe(401);
    clock.ms += 10_001;
    const onA = await mcpCall(a.mcpUrl, tokens.access_token, 'tools/list');
    expect(onA.status).toBe(401);
    expect(onA.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    clock.ms = Date.now();
  });
});

import { createServer, type Server } from 'node:http';
import type { JWK } from 'jose';
import type { JwksFetchOptions } from 'nestjs-mcp-auth';
import { NotesTools } from './fixtures/notes.tools.js';
import { VerifierHealthController } from './fixtures/verifier-app.js';
import { bearer, expectRefused, postMcp, type McpHttpResponse } from './fixtures/verifier-harness.js';
import { freePort } from './helpers/free-port.js';
import { JwksServer, type JwksBehaviour } from './helpers/jwks-server.js';
import { mint } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { SinkServer } from './helpers/sink-server.js';

const ISS = 'http://127.0.0.1:4000';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fault scenarios of catalog §2 (F-01…F-05) for a JWT verifier with a remote JWKS. */
describe('verifier faults: the JWKS endpoint misbehaves', () => {
  let k1: TestKey;
  let k2: TestKey;
  let attacker: TestKey;
  const apps: RunningApp[] = [];
  const servers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    [k1, k2, attacker] = await Promise.all([testKey('k1'), testKey('k2'), testKey('kx')]);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const server of servers) await server.stop();
  });

  async function jwksServer(keys: JWK[]): Promise<JwksServer> {
    const server = await new JwksServer().start(keys);
    servers.push(server);
    return server;
  }

  async function start(jwksUri: string, jwks: JwksFetchOptions = {}): Promise<{ app: RunningApp; notes: NotesTools }> {
    const app = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        authorizationServers: [ISS],
        verifier: { type: 'jwt', issuer: ISS, jwksUri, jwks },
      }),
      { controllers: [VerifierHealthController] },
    );
    apps.push(app);
    return { app, notes: app.app.get(NotesTools) };
  }

  /** A fresh token each time (new jti), so the verification cache never answers for the JWKS. */
  const token = (app: RunningApp, key: TestKey = k1) =>
    mint({ iss: ISS, aud: app.mcpUrl, sub: 'u1', scope: 'notes:write' }, { key });

  const call = async (app: RunningApp, key: TestKey = k1) => postMcp(app.mcpUrl, bearer(await token(app, key)));

  function expectUnavailable(res: McpHttpResponse): void {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.json).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(res.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules/);
  }

  it('F-03 slow JWKS, cold cache: 50 concurrent requests each fail within the timeout, one fetch, /health responsive', async () => {
    const jwks = await jwksServer([k1.publicJwk]);
    jwks.behaviour = { delayMs: 3000 };
    const { app, notes } = await start(jwks.url, { timeoutMs: 400 });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => token(app)));
    const finished: string[] = [];
    const started = Date.now();
    const mcp = tokens.map(async (t) => {
      const res = await postMcp(app.mcpUrl, bearer(t));
      finished.push('mcp');
      return { res, ms: Date.now() - started };
    });
    const health = fetch(`${app.origin}/health`).then(async (res) => {
      finished.push('health');
      return res.status;
    });
    const [results, healthStatus] = await Promise.all([Promise.all(mcp), health]);
    expect(healthStatus).toBe(200);
    expect(finished[0]).toBe('health'); // answered while the 50 waited for the JWKS
    for (const { res, ms } of results) {
      expectUnavailable(res);
      expect(ms).toBeLessThan(2500); // timeout 400 ms, generous margin, below the 3000 ms delay
    }
    expect(jwks.hits).toBe(1);
    expect(notes.notes).toEqual([]);
  });

  it('F-01 JWKS down at start: the app boots, answers 503 + Retry-After, and recovers without a restart', async () => {
    const port = await freePort();
    const { app, notes } = await start(`http://127.0.0.1:${port}/jwks`);
    expect((await fetch(`${app.origin}/health`)).status).toBe(200);
    expectUnavailable(await call(app));
    expectUnavailable(await call(app));

    const body = JSON.stringify({ keys: [k1.publicJwk] });
    const late: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(body),
    );
    await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve));
    servers.push({
      stop: () =>
        new Promise<void>((resolve) => {
          late.closeAllConnections();
          late.close(() => resolve());
        }),
    });
    expect((await call(app)).status).toBe(200);
    expect(notes.notes).toEqual(['written']);
  });

  it('F-02 JWKS down after a warm cache: verifies within the cache age, then serves the last good set (stale-if-error, one retry per cooldown)', async () => {
    const jwks = await jwksServer([k1.publicJwk]);
    const { app, notes } = await start(jwks.url, { cacheMaxAgeMs: 1000 });
    expect((await call(app)).status).toBe(200);
    jwks.behaviour = { drop: true };
    expect((await call(app)).status).toBe(200); // inside the cache age: no fetch
    expect(jwks.hits).toBe(1);
    await sleep(1100);
    expect((await call(app)).status).toBe(200); // cache aged: one failed refresh, stale set used
    expect(jwks.hits).toBe(2);
    expect((await call(app)).status).toBe(200); // inside the 30 s cooldown: no new attempt
    expect(jwks.hits).toBe(2);
    // unknown keys are still the token's fault during the outage
    const res = await call(app, attacker);
    expect(
      expectRefused(res, {
        error: 'invalid_token',
        resourceMetadata: `${app.origin}/.well-known/oauth-protected-resource/mcp`,
      }),
    ).toBe('No trusted key matches the access token');
    expect(notes.notes).toHaveLength(4);
  });

  describe('F-04 garbage JWKS answers: fail closed, no redirect followed, the last good set is kept', () => {
    let sink: SinkServer;
    beforeAll(async () => {
      sink = await new SinkServer().start();
      servers.push(sink);
      sink.body = JSON.stringify({ keys: [attacker.publicJwk] });
    });

    const bodies = (): Array<[string, JwksBehaviour | ((jwks: JwksServer) => void)]> => [
      ['HTML with 200', { body: '<html>hello</html>', headers: { 'content-type': 'text/html' } }],
      ['{}', { body: '{}' }],
      ['{"keys":{}}', { body: '{"keys":{}}' }],
      ['{"keys":[{"kty":"RSA"}]}', { body: '{"keys":[{"kty":"RSA"}]}' }],
      ['status 500', { status: 500, body: '{"keys":[]}' }],
      ['302 to the sink', { status: 302, headers: { location: `${sink.origin}/jwks` }, body: '' }],
      ['an oversized body (1 MiB)', { body: JSON.stringify({ keys: [k1.publicJwk], pad: 'x'.repeat(1024 * 1024) }) }],
      ['private members (d)', (jwks) => (jwks.keys = [{ ...k1.publicJwk, d: 'AAAA' }])],
    ];

    it('cold cache: every garbage answer is a 503, then a good answer is used at once', async () => {
      const jwks = await jwksServer([k1.publicJwk]);
      const { app, notes } = await start(jwks.url, { cooldownMs: 0 });
      for (const [, setup] of bodies()) {
        jwks.keys = [k1.publicJwk];
        jwks.behaviour = {};
        if (typeof setup === 'function') setup(jwks);
        else jwks.behaviour = setup;
        expectUnavailable(await call(app));
      }
      expect(jwks.hits).toBe(bodies().length);
      expect(sink.hits()).toBe(0);
      jwks.keys = [k1.publicJwk];
      jwks.behaviour = {};
      expect((await call(app)).status).toBe(200);
      expect(notes.notes).toEqual(['written']);
    });

    it('warm cache: each garbage refresh keeps the previous good key set (200)', async () => {
      const jwks = await jwksServer([k1.publicJwk]);
      const { app, notes } = await start(jwks.url, { cacheMaxAgeMs: 1000, cooldownMs: 0 });
      expect((await call(app)).status).toBe(200);
      await sleep(1100);
      for (const [name, setup] of bodies()) {
        jwks.keys = [k1.publicJwk];
        jwks.behaviour = {};
        if (typeof setup === 'function') setup(jwks);
        else jwks.behaviour = setup;
        const hits = jwks.hits;
        expect({ name, status: (await call(app)).status }).toEqual({ name, status: 200 });
        expect(jwks.hits).toBe(hits + 1); // it did try the refresh
      }
      expect(sink.hits()).toBe(0);
      expect(notes.notes).toHaveLength(bodies().length + 1);
    });

    it('duplicate kids (as implemented): the set is valid for jose and replaces the cache; the ambiguous kid gets 401', async () => {
      const jwks = await jwksServer([k1.publicJwk, { ...k2.publicJwk, kid: 'k1' }]);
      const { app, notes } = await start(jwks.url);
      const res = await call(app);
      expect(
        expectRefused(res, {
          error: 'invalid_token',
          resourceMetadata: `${app.origin}/.well-known/oauth-protected-resource/mcp`,
        }),
      ).toBe('No trusted key matches the access token');
      expect(notes.notes).toEqual([]);
    });
  });

  it('F-05 rotation k1 → k1+k2 → k2, with the refetch cooldown; V-06 after the cooldown', async () => {
    const jwks = await jwksServer([k1.publicJwk]);
    // jose's JWKS cache runs on the real clock: the cache age leaves seconds of slack between
    // steps so that a loaded machine cannot age the set out early.
    const { app } = await start(jwks.url, { cooldownMs: 1000, cacheMaxAgeMs: 5000 });
    const metadata = `${app.origin}/.well-known/oauth-protected-resource/mcp`;

    // t0: {k1}
    expect((await call(app)).status).toBe(200);
    expect(jwks.hits).toBe(1);

    // t1: {k1, k2}; the IdP signs with k2. Inside the cooldown the new kid is unknown: 401.
    jwks.keys = [k1.publicJwk, k2.publicJwk];
    expectRefused(await call(app, k2), { error: 'invalid_token', resourceMetadata: metadata });
    expect(jwks.hits).toBe(1);
    await sleep(1100);
    expect((await call(app, k2)).status).toBe(200); // one refetch once the cooldown passed
    expect(jwks.hits).toBe(2);
    expect((await call(app, k1)).status).toBe(200);

    // t2: {k2}. k1 tokens keep verifying until the cached set ages out (no refetch for a known kid).
    jwks.keys = [k2.publicJwk];
    expect((await call(app, k1)).status).toBe(200);
    // a kid reused with new key material fails until then too (jose refetches only on a missing kid)
    const reused = { ...attacker, kid: 'k1' };
    expectRefused(await call(app, reused), { error: 'invalid_token', resourceMetadata: metadata });
    expect(jwks.hits).toBe(2);

    // after the cache age jose reloads {k2}: k1 tokens are now refused, k2 tokens accepted
    await sleep(5100);
    expectRefused(await call(app, k1), { error: 'invalid_token', resourceMetadata: metadata });
    expect(jwks.hits).toBe(3);
    expect((await call(app, k2)).status).toBe(200);

    // V-06 with the cooldown over: 50 parallel unknown-kid tokens cause at most one fetch
    await sleep(1100);
    const responses = await Promise.all(Array.from({ length: 50 }, () => call(app, attacker)));
    for (const res of responses) expectRefused(res, { error: 'invalid_token', resourceMetadata: metadata });
    expect(jwks.hits - 3).toBeLessThanOrEqual(1);
  }, 30_000);
});

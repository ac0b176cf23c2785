import dns from 'node:dns';
import { startOidcUpstream, type OidcUpstream, type UpstreamFault } from '../fakes/oidc-upstream.js';
import { SelfSignedHttpsServer } from '../fakes/self-signed-https.js';
import { freePort } from '../helpers/free-port.js';
import {
  authorization,
  authorizeThroughProxy,
  callTool,
  decide,
  mcpCall,
  openConsent,
  ProxyBrowser,
  redeem,
  registerClient,
  tokenRequest,
  upstreamUser,
  type Answer,
  type Authorization,
} from './support/oauth-browser.js';
import { CapturingLogger, recordCounts, startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { TokenRelay } from './support/token-relay.js';
import { ALICE, oidcProxyModuleOptions } from './support/upstreams.js';

/** An oidc-provider upstream and a level-3 app in front of it. */
interface Pair {
  idp: OidcUpstream;
  app: ProxyApp;
  callback: string;
  close(): Promise<void>;
}

async function startPair(
  upstream: (idp: OidcUpstream) => Record<string, unknown> = () => ({}),
  proxy: Record<string, unknown> = {},
  logger?: CapturingLogger,
): Promise<Pair> {
  const port = await freePort();
  const callback = `http://127.0.0.1:${port}/oauth/callback`;
  const idp = await startOidcUpstream({ redirectUri: callback });
  const app = await startProxyApp((origin) => oidcProxyModuleOptions(origin, idp, proxy, upstream(idp)), {
    port,
    userApiUrl: `${idp.issuer}/me`,
    logger,
  });
  return {
    idp,
    app,
    callback,
    close: async () => {
      await app.close();
      await idp.close();
    },
  };
}

/** Consent approved and the upstream's answer captured, not yet delivered to the callback. */
async function atCallback(pair: Pair) {
  const browser = new ProxyBrowser();
  const client = await registerClient(pair.app.origin);
  const auth = authorization(pair.app.origin, pair.app.mcpUrl, client, { scope: 'openid email' });
  const approved = await decide(browser, await openConsent(browser, auth), 'approve');
  const callbackUrl = await upstreamUser(pair.callback, ALICE).authorize(approved.location!);
  return { browser, auth, callbackUrl };
}

async function signedIn(pair: Pair) {
  const client = await registerClient(pair.app.origin);
  const done = await authorizeThroughProxy(
    new ProxyBrowser(),
    authorization(pair.app.origin, pair.app.mcpUrl, client, { scope: 'openid email' }),
    upstreamUser(pair.callback, ALICE),
  );
  return { client, ...(await redeem(pair.app.origin, done)) };
}

/** What the callback may create: codes and grants (legs are consumed by any callback). */
const issued = (app: ProxyApp) => {
  const counts = recordCounts(app.memory!);
  return { codes: counts['oauth-code'] ?? 0, grants: counts['oauth-grant'] ?? 0 };
};

/** EREDIR(e) with the client's state and our iss; no code; no upstream host names. */
function expectErrorRedirect(answer: Answer, auth: Authorization, error: string, app: ProxyApp, hidden: string[]) {
  expect(answer.status).toBe(302);
  const location = new URL(answer.location!);
  expect(`${location.origin}${location.pathname}`).toBe(auth.client.redirectUri);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(auth.state);
  expect(location.searchParams.get('iss')).toBe(app.origin);
  expect(location.searchParams.has('code')).toBe(false);
  for (const text of hidden) {
    expect(answer.location).not.toContain(text);
    expect(answer.body).not.toContain(text);
  }
}

describe('proxy (level 3): upstream faults (F-07 … F-11, F-19, F-20)', () => {
  describe('during the callback’s code exchange', () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(() => ({ timeoutMs: 1000 }));
    });
    afterAll(() => pair?.close());
    afterEach(() => pair.idp.clearFaults());

    it('F-07: the upstream drops the connection → temporarily_unavailable with the client’s state; the state is spent; nothing stored', async () => {
      const { browser, auth, callbackUrl } = await atCallback(pair);
      pair.idp.fault({ path: '/token', dropConnection: true });
      const before = issued(pair.app);
      const answer = await browser.get(callbackUrl);
      expectErrorRedirect(answer, auth, 'temporarily_unavailable', pair.app, [new URL(pair.idp.issuer).host]);
      expect(issued(pair.app)).toEqual(before);
      pair.idp.clearFaults();
      // The client starts a new flow; this state is gone.
      const replay = await browser.get(callbackUrl);
      expect(replay.status).toBe(400);
      expect(issued(pair.app)).toEqual(before);
    });

    it('F-07: upstream 500 HTML or 503 at the exchange → temporarily_unavailable, no 500 of ours', async () => {
      const faults: Array<Omit<UpstreamFault, 'path'>> = [
        {
          status: 500,
          body: '<html><body>Internal Server Error</body></html>',
          headers: { 'content-type': 'text/html' },
        },
        { status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'retry-after': '30' } },
      ];
      for (const fault of faults) {
        const { browser, auth, callbackUrl } = await atCallback(pair);
        pair.idp.fault({ path: '/token', ...fault });
        const before = issued(pair.app);
        expectErrorRedirect(await browser.get(callbackUrl), auth, 'temporarily_unavailable', pair.app, [
          'Internal Server Error',
        ]);
        expect(issued(pair.app)).toEqual(before);
        pair.idp.clearFaults();
      }
    });

    it('F-08: a slow upstream hits the proxy’s upstream timeout first; the same state cannot start a second exchange', async () => {
      const { browser, auth, callbackUrl } = await atCallback(pair);
      pair.idp.fault({ path: '/token', delayMs: 4000 });
      const before = issued(pair.app);
      expectErrorRedirect(await browser.get(callbackUrl), auth, 'temporarily_unavailable', pair.app, []);
      const exchanges = pair.idp.hits.get('/token') ?? 0;
      expect((await browser.get(callbackUrl)).status).toBe(400);
      expect(pair.idp.hits.get('/token') ?? 0).toBe(exchanges);
      expect(issued(pair.app)).toEqual(before);
    });
  });

  it('F-07: the upstream stopped after consent (connection refused) → temporarily_unavailable, nothing stored', async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/oauth/callback`;
    const idp = await startOidcUpstream({ redirectUri: callback });
    const relay = await new TokenRelay(new URL(`${idp.issuer}/token`)).start();
    const app = await startProxyApp(
      (origin) => oidcProxyModuleOptions(origin, idp, {}, { tokenEndpoint: relay.url, timeoutMs: 1000 }),
      { port },
    );
    try {
      const { browser, auth, callbackUrl } = await atCallback({ idp, app, callback, close: async () => undefined });
      // The upstream's token endpoint goes away between the consent and the callback.
      await relay.stop();
      const before = issued(app);
      expectErrorRedirect(await browser.get(callbackUrl), auth, 'temporarily_unavailable', app, [
        `127.0.0.1:${new URL(relay.url).port}`,
        'ECONNREFUSED',
      ]);
      expect(issued(app)).toEqual(before);
    } finally {
      await app.close();
      await idp.close();
    }
  });

  describe('F-09 / R-09: the upstream failing while its token is refreshed', () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(() => ({ timeoutMs: 1000 }));
    });
    afterAll(() => pair?.close());
    afterEach(() => {
      pair.idp.clearFaults();
      pair.app.clock.ms = Date.now();
    });

    it('our refresh grant never depends on the upstream: with the upstream token endpoint failing, the MCP refresh token still rotates', async () => {
      const user = await signedIn(pair);
      pair.idp.fault({ path: '/token', status: 503, body: '{}', headers: { 'retry-after': '60' } });
      const exchanges = pair.idp.hits.get('/token') ?? 0;
      const refreshed = await tokenRequest(pair.app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).not.toBe(user.refresh_token);
      expect(pair.idp.hits.get('/token') ?? 0).toBe(exchanges);
    });

    it.each([
      ['503', { status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'retry-after': '60' } }],
      ['429 with Retry-After', { status: 429, body: '{}', headers: { 'retry-after': '60' } }],
      ['a dropped connection', { dropConnection: true }],
      ['a timeout', { delayMs: 3000 }],
    ])(
      '%s: the tool gets a retryable error, one upstream call for concurrent callers, the grant and the upstream refresh token survive',
      async (_name, fault) => {
        const user = await signedIn(pair);
        const before = await callTool(pair.app.mcpUrl, user.access_token, 'upstream_token_info');
        pair.app.clock.ms += 560_000;
        pair.idp.fault({ path: '/token', ...fault });
        const upstreamCalls = () => pair.idp.hits.get('/token') ?? 0;
        const hits = upstreamCalls();
        const failures = await Promise.all(
          Array.from({ length: 5 }, () =>
            mcpCall(pair.app.mcpUrl, user.access_token, 'tools/call', { name: 'upstream_profile', arguments: {} }),
          ),
        );
        for (const failure of failures) {
          expect(failure.status).toBe(200);
          expect(failure.body).toMatchObject({
            result: { isError: true, content: [{ text: expect.stringMatching(/^The identity provider /) }] },
          });
          expect(JSON.stringify(failure.body)).not.toContain(new URL(pair.idp.issuer).host);
        }
        // Faulted requests that never reach the provider are not counted by it: at most one did.
        expect(upstreamCalls() - hits).toBeLessThanOrEqual(1);
        pair.idp.clearFaults();
        // No retry storm: a failed flight's outcome is shared for 3 s; callers fail fast meanwhile.
        const fast = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/call', {
          name: 'upstream_profile',
          arguments: {},
        });
        expect(fast.body).toMatchObject({ result: { isError: true } });
        expect(upstreamCalls() - hits).toBeLessThanOrEqual(1);
        pair.app.clock.ms += 3_001;
        const healed = await callTool(pair.app.mcpUrl, user.access_token, 'upstream_profile');
        expect(healed).toMatchObject({ status: 200, profile: { sub: 'alice' } });
        expect(healed.upstreamToken).not.toBe(before.upstreamToken);
      },
    );

    it('F-10 at refresh: HTML with status 200 is a failure, not a refusal: the grant survives', async () => {
      const user = await signedIn(pair);
      pair.app.clock.ms += 560_000;
      pair.idp.fault({
        path: '/token',
        status: 200,
        body: '<html>maintenance</html>',
        headers: { 'content-type': 'text/html' },
      });
      const failed = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/call', {
        name: 'upstream_profile',
        arguments: {},
      });
      expect(failed.body).toMatchObject({ result: { isError: true } });
      pair.idp.clearFaults();
      pair.app.clock.ms += 3_001;
      expect(await callTool(pair.app.mcpUrl, user.access_token, 'upstream_profile')).toMatchObject({ status: 200 });
    });

    it('R-08: the upstream refusing the refresh (invalid_grant) revokes the MCP grant', async () => {
      const user = await signedIn(pair);
      pair.app.clock.ms += 560_000;
      pair.idp.fault({
        path: '/token',
        status: 400,
        body: '{"error":"invalid_grant","error_description":"grant revoked"}',
      });
      const failed = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/call', {
        name: 'upstream_profile',
        arguments: {},
      });
      expect(failed.body).toMatchObject({ result: { isError: true } });
      pair.idp.clearFaults();
      // The revocation reaches the verifier's cache within its 10 s bound (policy P-10).
      pair.app.clock.ms += 11_000;
      const rejected = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list');
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const refresh = await tokenRequest(pair.app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });

  describe('F-09 / F-11 with request-time checks of the upstream token (userinfo, tokenValidationSeconds)', () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(() => ({ timeoutMs: 1000, tokenValidationSeconds: 30 }));
    });
    afterAll(() => pair?.close());
    afterEach(() => {
      pair.idp.clearFaults();
      pair.app.clock.ms = Date.now();
    });

    it('F-09: a refresh due while the upstream answers 429 → /mcp 503 temporarily_unavailable with the upstream’s Retry-After', async () => {
      const user = await signedIn(pair);
      pair.app.clock.ms += 560_000;
      pair.idp.fault({ path: '/token', status: 429, body: '{}', headers: { 'retry-after': '60' } });
      const answer = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list');
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('60');
      expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' });
      pair.idp.clearFaults();
      pair.app.clock.ms += 3_001;
      expect((await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
    });

    it('F-11: userinfo 500 at request time → 503 (not cached); userinfo 401 → 401 invalid_token and the grant is revoked', async () => {
      const user = await signedIn(pair);
      expect((await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
      pair.app.clock.ms += 31_000;
      pair.idp.fault({ path: '/me', status: 500, body: '{}' });
      const down = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list');
      expect(down.status).toBe(503);
      expect(down.headers.get('www-authenticate')).toBeNull();
      pair.idp.fault({ path: '/me', status: 401, body: '{"error":"invalid_token"}' });
      const refused = await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list');
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      pair.idp.clearFaults();
      expect((await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list')).status).toBe(401);
      const refresh = await tokenRequest(pair.app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });

  describe('F-19: DNS and TLS failures towards the upstream', () => {
    const original = dns.lookup;
    let lookups: string[] = [];
    beforeAll(() => {
      // DNS stub: names under .invalid fail to resolve, without any query leaving the machine.
      (dns as { lookup: unknown }).lookup = function stub(
        hostname: string,
        options: unknown,
        callback?: (error: NodeJS.ErrnoException | null) => void,
      ) {
        const done = (typeof options === 'function' ? options : callback) as (error: NodeJS.ErrnoException) => void;
        if (hostname.endsWith('.invalid')) {
          lookups.push(hostname);
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
            code: 'ENOTFOUND',
            syscall: 'getaddrinfo',
            hostname,
          });
          return process.nextTick(() => done(error));
        }
        return (original as (...args: unknown[]) => unknown).call(dns, hostname, options, callback);
      };
    });
    afterAll(() => {
      (dns as { lookup: unknown }).lookup = original;
    });

    it('an upstream token endpoint whose name does not resolve → temporarily_unavailable; the name is not shown', async () => {
      lookups = [];
      const pair = await startPair(() => ({ tokenEndpoint: 'http://idp.upstream.invalid/token', timeoutMs: 1000 }));
      try {
        const { browser, auth, callbackUrl } = await atCallback(pair);
        const before = issued(pair.app);
        const answer = await browser.get(callbackUrl);
        expectErrorRedirect(answer, auth, 'temporarily_unavailable', pair.app, ['upstream.invalid', 'ENOTFOUND']);
        expect(lookups).toEqual(['idp.upstream.invalid']);
        expect(issued(pair.app)).toEqual(before);
      } finally {
        await pair.close();
      }
    });

    it('an https upstream with an untrusted self-signed certificate → temporarily_unavailable; nothing was sent to it', async () => {
      const tls = await new SelfSignedHttpsServer().start();
      const pair = await startPair(() => ({ tokenEndpoint: `${tls.origin}/token`, timeoutMs: 1000 }));
      try {
        const { browser, auth, callbackUrl } = await atCallback(pair);
        const before = issued(pair.app);
        const answer = await browser.get(callbackUrl);
        expectErrorRedirect(answer, auth, 'temporarily_unavailable', pair.app, [
          new URL(tls.origin).host,
          'certificate',
        ]);
        expect(tls.hits).toBe(0);
        expect(issued(pair.app)).toEqual(before);
        expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).not.toBe('0');
      } finally {
        await pair.close();
        await tls.stop();
      }
    });
  });

  describe('F-20: resource exhaustion (scaled down: hundreds, not tens of thousands)', () => {
    let pair: Pair;
    beforeAll(async () => {
      pair = await startPair(() => ({}), { clientRegistration: { rateLimit: { max: 50, windowSeconds: 60 } } });
    });
    afterAll(() => pair?.close());
    afterEach(() => {
      pair.app.clock.ms = Date.now();
    });

    it('a registration flood is cut at the rate limit with 429 and Retry-After; the store stays bounded', async () => {
      const answers = await Promise.all(
        Array.from({ length: 120 }, () =>
          fetch(`${pair.app.origin}/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ redirect_uris: ['http://127.0.0.1:5555/cb'], token_endpoint_auth_method: 'none' }),
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(50);
      const limited = answers.filter((answer) => answer.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(70);
      expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 201 || status === 429)).toBe(true);
      expect(recordCounts(pair.app.memory!)['oauth-client'] ?? 0).toBeLessThanOrEqual(50);
    });

    it('an /authorize flood is rate-limited (429 with Retry-After past 120 per address and minute); the transactions it left expire with the transaction lifetime; no upstream request', async () => {
      const client =
        (await registerClient(pair.app.origin).catch(() => undefined)) ??
        (await (async () => {
          pair.app.clock.ms += 61_000;
          return registerClient(pair.app.origin);
        })());
      const upstreamBefore = pair.idp.hits.get('/auth') ?? 0;
      const before = recordCounts(pair.app.memory!)['oauth-tx'] ?? 0;
      const statuses: number[] = [];
      for (let batch = 0; batch < 4; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, () =>
            fetch(authorization(pair.app.origin, pair.app.mcpUrl, client, { scope: 'openid' }).url, {
              redirect: 'manual',
            }),
          ),
        );
        statuses.push(...answers.map((answer) => answer.status));
      }
      const created = (recordCounts(pair.app.memory!)['oauth-tx'] ?? 0) - before;
      expect(created).toBeLessThanOrEqual(120);
      expect(statuses.filter((status) => status === 429).length).toBe(400 - created);
      expect(pair.idp.hits.get('/auth') ?? 0).toBe(upstreamBefore);
      const entries = (pair.app.memory as unknown as { entries: Map<string, { expiresAt: number }> }).entries;
      const now = pair.app.clock.now();
      for (const [key, entry] of entries) {
        if (key.startsWith('oauth-tx:')) expect(entry.expiresAt - now).toBeLessThanOrEqual(600_000);
      }
      // Past the lifetime the transactions are gone (swept, or refused when read).
      pair.app.clock.ms += 601_000;
      (pair.app.memory as unknown as { sweep(): void }).sweep();
      expect(recordCounts(pair.app.memory!)['oauth-tx'] ?? 0).toBe(0);
    });

    it('a flood of forged and unknown-key tokens is refused locally: no JWKS or upstream request, no store growth, valid tokens still served', async () => {
      const user = await signedIn(pair);
      const records = pair.app.memory!.size;
      const upstreamHits = [...pair.idp.hits.values()].reduce((a, b) => a + b, 0);
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'unknown-kid', typ: 'at+jwt' })).toString(
        'base64url',
      );
      const payload = user.access_token.split('.')[1];
      const forged = Array.from(
        { length: 300 },
        (_, i) => `${header}.${payload}.${Buffer.from(`sig${i}`).toString('base64url')}`,
      );
      for (let batch = 0; batch < 3; batch++) {
        const answers = await Promise.all(
          forged.slice(batch * 100, batch * 100 + 100).map((token) => mcpCall(pair.app.mcpUrl, token, 'tools/list')),
        );
        for (const answer of answers) expect(answer.status).toBe(401);
      }
      expect(pair.app.memory!.size).toBe(records);
      expect([...pair.idp.hits.values()].reduce((a, b) => a + b, 0)).toBe(upstreamHits);
      expect((await mcpCall(pair.app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
    });
  });

  it('I-3 / TR-04: what the proxy logs about upstream failures names no token, code, verifier or secret', async () => {
    const logger = new CapturingLogger();
    const pair = await startPair(() => ({ timeoutMs: 1000 }), {}, logger);
    try {
      const secrets: Record<string, string> = { 'the upstream client secret': pair.idp.clientSecret };
      // A sign-in that works, then its tokens used, refreshed upstream and revoked while the upstream fails.
      const client = await registerClient(pair.app.origin);
      const auth = authorization(pair.app.origin, pair.app.mcpUrl, client, { scope: 'openid email' });
      const done = await authorizeThroughProxy(new ProxyBrowser(), auth, upstreamUser(pair.callback, ALICE));
      const tokens = await redeem(pair.app.origin, done);
      const { upstream } = await pair.app.grantOf(tokens.access_token);
      Object.assign(secrets, {
        'the MCP code': done.code,
        'the client verifier': done.verifier,
        'the MCP access token': tokens.access_token,
        'the MCP refresh token': tokens.refresh_token,
        'the upstream access token': upstream!.accessToken,
        'the upstream refresh token': upstream!.refreshToken!,
        'the upstream ID token': upstream!.idToken!,
      });
      pair.app.clock.ms += 560_000;
      pair.idp.fault({ path: '/token', status: 503, body: '{}' });
      await mcpCall(pair.app.mcpUrl, tokens.access_token, 'tools/call', { name: 'upstream_profile', arguments: {} });
      pair.idp.fault({ path: '/token/revocation', status: 500, body: '{}' });
      await fetch(`${pair.app.origin}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refresh_token, client_id: client.clientId }),
      });
      pair.idp.clearFaults();
      pair.app.clock.ms = Date.now();
      // A callback whose code exchange fails.
      const failing = await atCallback(pair);
      secrets['the upstream code of the failed exchange'] = failing.callbackUrl.searchParams.get('code')!;
      pair.idp.fault({ path: '/token', dropConnection: true });
      await failing.browser.get(failing.callbackUrl);
      pair.idp.clearFaults();

      const logs = logger.lines.join('\n');
      // Control: the failures were logged (the capture works).
      expect(logs).toMatch(/Upstream callback failed/);
      expect(logs).toMatch(/Upstream token revocation failed/);
      const leaked = Object.entries(secrets)
        .filter(([, secret]) => logs.includes(secret))
        .map(([name]) => name);
      expect(leaked).toEqual([]);
    } finally {
      await pair.close();
    }
  });
});

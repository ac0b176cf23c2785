import type { JWTPayload } from 'jose';
import type { McpAuthModuleOptions, McpVerifierOptions } from 'nestjs-mcp-auth';
import { MutableClock, startClockedMcpApp } from './fixtures/verifier-app.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { addNoteCall, bearer, expectRefused, postMcp, signCompact } from './fixtures/verifier-harness.js';
import { freePort } from './helpers/free-port.js';
import { IntrospectionServer } from './helpers/introspection-server.js';
import { JwksServer } from './helpers/jwks-server.js';
import { mint } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import type { RunningApp } from './helpers/mcp-app.js';

const ISS = 'http://127.0.0.1:4000';

/** Policies of catalog §4 as implemented, pinned on real HTTP with a controlled module clock. */
describe('verifier policies (P-1…P-5, P-14) and clock skew (F-17)', () => {
  let key: TestKey;
  let jwks: JwksServer;
  const apps: RunningApp[] = [];
  const clock = new MutableClock();

  beforeAll(async () => {
    key = await testKey('k1');
    jwks = await new JwksServer().start([key.publicJwk]);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await jwks.stop();
  });
  beforeEach(() => {
    clock.ms = Math.floor(Date.now() / 1000) * 1000;
  });

  async function start(
    verifier: Partial<McpVerifierOptions> = {},
    extra: Partial<McpAuthModuleOptions> = {},
  ): Promise<{ app: RunningApp; notes: NotesTools; metadata: string }> {
    const app = await startClockedMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        authorizationServers: [ISS],
        verifier: { type: 'jwt', issuer: ISS, jwksUri: jwks.url, ...verifier } as McpVerifierOptions,
        ...extra,
      }),
      clock,
    );
    apps.push(app);
    return { app, notes: app.app.get(NotesTools), metadata: `${app.origin}/.well-known/oauth-protected-resource/mcp` };
  }

  const token = (
    app: RunningApp,
    extra: JWTPayload = {},
    header: Record<string, unknown> = {},
    omit: string[] = [],
  ) => {
    const now = clock.seconds;
    return mint(
      { iss: ISS, aud: app.mcpUrl, sub: 'u1', scope: 'notes:write', iat: now, nbf: now, exp: now + 300, ...extra },
      { key, header, omit },
      now,
    );
  };

  async function status(
    app: { app: RunningApp; notes: NotesTools },
    authorization: string | undefined,
  ): Promise<number> {
    const before = app.notes.notes.length;
    const res = await postMcp(app.app.mcpUrl, authorization);
    expect(app.notes.notes.length).toBe(res.status === 200 ? before + 1 : before);
    return res.status;
  }

  describe('P-5 default clock tolerance of 30 s, to the second', () => {
    let target: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      target = await start();
    });

    it('V-15 exp: now-29 accepted, now-30 refused', async () => {
      const now = clock.seconds;
      expect(await status(target, bearer(await token(target.app, { exp: now - 29 })))).toBe(200);
      const res = await postMcp(target.app.mcpUrl, bearer(await token(target.app, { exp: now - 30 })));
      expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: target.metadata })).toBe(
        'The access token has expired',
      );
    });

    it('V-18 nbf: now+30 accepted, now+31 refused', async () => {
      const now = clock.seconds;
      expect(await status(target, bearer(await token(target.app, { nbf: now + 30 })))).toBe(200);
      const res = await postMcp(target.app.mcpUrl, bearer(await token(target.app, { nbf: now + 31 })));
      expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: target.metadata })).toBe(
        'The access token is not valid yet',
      );
    });

    it('P-4 iat is not checked without maxTokenAgeSeconds (an iat an hour ahead passes)', async () => {
      expect(await status(target, bearer(await token(target.app, { iat: clock.seconds + 3600 })))).toBe(200);
    });

    it('F-17 server clock jumps: +1 h expires a token (also a cached one), -1 h makes it not yet valid', async () => {
      const fresh = bearer(await token(target.app));
      expect(await status(target, fresh)).toBe(200); // now cached
      clock.advance(3600);
      expect(await status(target, fresh)).toBe(401);
      clock.advance(-3600);
      const other = bearer(await token(target.app));
      expect(await status(target, other)).toBe(200); // cached
      clock.advance(-3600);
      const res = await postMcp(target.app.mcpUrl, other);
      expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: target.metadata })).toBe(
        'The access token is not valid yet',
      );
    });
  });

  it('V-15 with a tolerance of 0: exp = now is refused, exp = now + 1 accepted', async () => {
    const strict = await start({ clockToleranceSeconds: 0 });
    expect(await status(strict, bearer(await token(strict.app, { exp: clock.seconds })))).toBe(401);
    expect(await status(strict, bearer(await token(strict.app, { exp: clock.seconds + 1 })))).toBe(200);
  });

  it('F-17 IdP clock skew with a 60 s tolerance: iat/nbf +45 s accepted; exp -30 s still inside the tolerance (accepted), -61 s refused', async () => {
    const skewed = await start({ clockToleranceSeconds: 60, maxTokenAgeSeconds: 3600 });
    const now = clock.seconds;
    expect(await status(skewed, bearer(await token(skewed.app, { iat: now + 45, nbf: now + 45 })))).toBe(200);
    expect(await status(skewed, bearer(await token(skewed.app, { iat: now - 300, exp: now - 30 })))).toBe(200);
    expect(await status(skewed, bearer(await token(skewed.app, { iat: now - 300, exp: now - 61 })))).toBe(401);
    expect(await status(skewed, bearer(await token(skewed.app, { iat: now + 61, nbf: now })))).toBe(401);
  });

  it('P-4/V-19 maxTokenAgeSeconds: iat required, at most the age (plus tolerance) old, not in the future', async () => {
    const aged = await start({ maxTokenAgeSeconds: 600 });
    const now = clock.seconds;
    expect(await status(aged, bearer(await token(aged.app, { iat: now - 630 })))).toBe(200);
    for (const bad of [
      await token(aged.app, { iat: now - 631 }),
      await token(aged.app, { iat: now - 2 * 86400 }),
      await token(aged.app, { iat: now + 31 }),
      await token(aged.app, { iat: now + 3600 }),
      await token(aged.app, {}, {}, ['iat']),
    ]) {
      const res = await postMcp(aged.app.mcpUrl, bearer(bad));
      expectRefused(res, { error: 'invalid_token', resourceMetadata: aged.metadata, token: bad });
    }
    expect(aged.notes.notes).toEqual(['written']);
  });

  it('P-4 a cached token stops being accepted when maxTokenAgeSeconds runs out', async () => {
    const aged = await start({ maxTokenAgeSeconds: 60, clockToleranceSeconds: 0 });
    const cachedToken = bearer(await token(aged.app, { iat: clock.seconds - 55 }));
    expect(await status(aged, cachedToken)).toBe(200);
    clock.advance(5);
    expect(await status(aged, cachedToken)).toBe(200);
    clock.advance(1);
    expect(await status(aged, cachedToken)).toBe(401);
  });

  it('P-3/V-14 requiredType at+jwt: JWT, absent and id_token+jwt refused; application/at+jwt and AT+JWT accepted', async () => {
    const typed = await start({ requiredType: 'at+jwt' });
    for (const typ of ['at+jwt', 'application/at+jwt', 'AT+JWT']) {
      expect(await status(typed, bearer(await token(typed.app, {}, { typ })))).toBe(200);
    }
    const now = clock.seconds;
    const refused = [
      await token(typed.app, {}, { typ: 'JWT' }),
      await token(typed.app, {}, { typ: 'id_token+jwt' }),
      signCompact(
        { alg: 'RS256', kid: 'k1' },
        { iss: ISS, aud: typed.app.mcpUrl, sub: 'u1', scope: 'notes:write', exp: now + 60 },
        key.privateKey,
      ),
    ];
    for (const bad of refused) {
      const res = await postMcp(typed.app.mcpUrl, bearer(bad));
      expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: typed.metadata, token: bad })).toBe(
        'The token is not an access token',
      );
    }
  });

  it('P-2 an explicit audience replaces the resource URL as the accepted audience', async () => {
    const custom = await start({ audience: ['https://api.example.com'] });
    expect(await status(custom, bearer(await token(custom.app, { aud: 'https://api.example.com' })))).toBe(200);
    expect(await status(custom, bearer(await token(custom.app)))).toBe(401);
  });

  describe('P-14 Authorization header shapes', () => {
    let target: Awaited<ReturnType<typeof start>>;
    beforeAll(async () => {
      target = await start({}, { scopesSupported: ['notes:read', 'notes:write'] });
    });
    beforeEach(() => {
      target.notes.notes.length = 0;
    });

    it.each([
      ['"Bearer" alone', 'Bearer'],
      ['a space inside the token', 'Bearer abc def'],
      ['a token then extra words', 'Bearer abc.def.ghi extra'],
      ['a non-b64token character', 'Bearer abc,def'],
      ['an oversized token', `Bearer ${'a'.repeat(8193)}`],
    ])('malformed bearer credentials (%s) → 401 invalid_token', async (_name, authorization) => {
      const res = await postMcp(target.app.mcpUrl, authorization);
      expectRefused(res, {
        error: 'invalid_token',
        resourceMetadata: target.metadata,
        scope: 'notes:read notes:write',
      });
      expect(target.notes.notes).toEqual([]);
    });

    it.each([
      ['no Authorization header', undefined],
      ['Basic credentials', 'Basic dXNlcjpwYXNz'],
      ['DPoP scheme', 'DPoP eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
      ['a bare token without scheme', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln'],
      ['Bearer glued to the token', 'Bearerabc.def.ghi'],
    ])('other schemes (%s) → 401 without an error code (RFC 6750 §3.1)', async (_name, authorization) => {
      const res = await postMcp(target.app.mcpUrl, authorization);
      expectRefused(res, { resourceMetadata: target.metadata, scope: 'notes:read notes:write' });
      expect(target.notes.notes).toEqual([]);
    });

    it('T-03 the scheme is case-insensitive and may be followed by several spaces (RFC 6750 1*SP)', async () => {
      const good = await token(target.app);
      for (const authorization of [`bearer ${good}`, `BEARER ${good}`, `Bearer  ${good}`]) {
        expect(await status(target, authorization)).toBe(200);
      }
    });

    it('T-06/T-07 tokens in the query string, a form body or a cookie are ignored (401 without error)', async () => {
      const good = await token(target.app);
      const query = await fetch(`${target.app.mcpUrl}?access_token=${good}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(addNoteCall()),
      });
      expect(query.status).toBe(401);
      const form = await fetch(target.app.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `access_token=${good}` },
        body: `access_token=${good}`,
      });
      expect(form.status).toBe(401);
      for (const res of [query, form]) {
        expect(res.headers.get('www-authenticate')).toBe(
          `Bearer resource_metadata="${target.metadata}", scope="notes:read notes:write"`,
        );
      }
      expect(target.notes.notes).toEqual([]);
    });
  });

  describe('P-1 a verifier dependency that is down answers 503 with Retry-After, never 401', () => {
    const expectUnavailable = async (target: Awaited<ReturnType<typeof start>>, authorization: string) => {
      const written = target.notes.notes.length;
      const res = await postMcp(target.app.mcpUrl, authorization);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.json).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
      expect(res.text).not.toContain(authorization.slice(7));
      expect(target.notes.notes.length).toBe(written);
    };

    it('JWKS endpoint unreachable', async () => {
      const down = await start({ jwksUri: `http://127.0.0.1:${await freePort()}/jwks` });
      await expectUnavailable(down, bearer(await token(down.app)));
    });

    it('introspection endpoint failing, while its refusals stay 401', async () => {
      const introspection = await new IntrospectionServer().start();
      try {
        const target = await start(
          {},
          {
            verifier: {
              type: 'introspection',
              introspectionUrl: introspection.url,
              clientId: introspection.client.id,
              clientSecret: introspection.client.secret,
            },
          },
        );
        introspection.tokens.set('opaque-good-token', { sub: 'u1', scope: 'notes:write', aud: target.app.mcpUrl });
        expect(await status(target, 'Bearer opaque-good-token')).toBe(200);
        const inactive = await postMcp(target.app.mcpUrl, 'Bearer opaque-unknown-token');
        expect(expectRefused(inactive, { error: 'invalid_token', resourceMetadata: target.metadata })).toBe(
          'The access token is not active',
        );
        introspection.behaviour = { status: 500 };
        await expectUnavailable(target, 'Bearer opaque-other-token');
        introspection.behaviour = { body: '<html>' };
        await expectUnavailable(target, 'Bearer opaque-other-token');
      } finally {
        await introspection.stop();
      }
    });
  });
});

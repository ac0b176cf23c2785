import { generateKeyPairSync } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type JWK,
} from 'jose';
import { parseBearerChallenge, postMcp, toolCall } from '../helpers/clients.js';
import { freePort } from '../helpers/free-port.js';
import {
  MutableClock,
  basicAuth,
  obtainUserTokens,
  postForm,
  registerClient,
  startServerApp,
  tokenRequest,
  type ServerApp,
} from '../fixtures/server-app.js';

const M2M_SECRET = 'machine-secret-0123456789-abcdefghijklmno';
const M2M_CLIENT = {
  clientId: 'm2m',
  clientSecret: M2M_SECRET,
  redirectUris: [],
  grantTypes: ['client_credentials' as const],
  scope: 'notes:read',
};

async function privateJwk(alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return exportJWK(privateKey);
}

async function machineToken(server: Pick<ServerApp, 'origin'>): Promise<string> {
  const answer = await tokenRequest(
    server.origin,
    { grant_type: 'client_credentials' },
    { authorization: basicAuth('m2m', M2M_SECRET) },
  );
  if (answer.status !== 200) throw new Error(`client_credentials failed: ${JSON.stringify(answer.body)}`);
  return answer.body.access_token as string;
}

/** Calls `whoami` at /mcp with a bearer token; returns the HTTP status and challenge. */
async function callMcp(server: Pick<ServerApp, 'mcpUrl'>, token: string) {
  const response = await postMcp(server.mcpUrl, toolCall('whoami'), { authorization: `Bearer ${token}` });
  await response.text();
  const header = response.headers.get('www-authenticate');
  return { status: response.status, challenge: header ? parseBearerChallenge(header) : undefined };
}

async function jwks(server: Pick<ServerApp, 'origin'>): Promise<{ keys: JWK[] }> {
  return (await (await fetch(`${server.origin}/jwks`)).json()) as { keys: JWK[] };
}

describe('level 4: access tokens and signing keys', () => {
  describe('AS-01: the access tokens the server mints (RFC 9068)', () => {
    let server: ServerApp;
    beforeAll(async () => {
      server = await startServerApp();
    });
    afterAll(async () => server?.close());

    it.each([
      ['RS256', () => privateJwk('RS256')],
      ['PS256', () => privateJwk('PS256')],
      ['ES256', () => privateJwk('ES256')],
      ['EdDSA', () => privateJwk('EdDSA')],
    ] as const)(
      'AS-01: with a configured %s key: asymmetric alg, typ at+jwt, kid, every RFC 9068 claim',
      async (alg, key) => {
        const privateKey = await key();
        const keyed = await startServerApp({
          // RSA keys default to RS256: PS256 is asked for explicitly.
          server: () => ({ signingKeys: [{ privateKey, kid: `k-${alg}`, alg }], clients: [M2M_CLIENT] }),
        });
        try {
          const { tokens } = await obtainUserTokens(keyed);
          for (const token of [tokens.access_token, await machineToken(keyed)]) {
            const header = decodeProtectedHeader(token);
            expect(header).toEqual({ alg, kid: `k-${alg}`, typ: 'at+jwt' });
            const claims = decodeJwt(token);
            for (const claim of ['iss', 'aud', 'sub', 'client_id', 'iat', 'exp', 'jti'])
              expect({ claim, present: claims[claim] !== undefined }).toEqual({ claim, present: true });
            expect(claims.iss).toBe(keyed.origin);
            expect(claims.aud).toBe(keyed.mcpUrl);
            // Verifiable by anyone through the published JWKS (a third-party resource server).
            const verified = await jwtVerify(token, createRemoteJWKSet(new URL(`${keyed.origin}/jwks`)), {
              issuer: keyed.origin,
              audience: keyed.mcpUrl,
              typ: 'at+jwt',
              currentDate: new Date(keyed.clock.now()),
            });
            expect(verified.protectedHeader.alg).toBe(alg);
          }
        } finally {
          await keyed.close();
        }
      },
    );

    it('AS-01: development without keys signs with an ephemeral asymmetric key (ES256), never HS*', async () => {
      const { tokens } = await obtainUserTokens(server);
      const header = decodeProtectedHeader(tokens.access_token);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) });
      const metadata = (await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json()) as {
        access_token_signing_alg_values_supported?: string[];
      };
      expect(metadata.access_token_signing_alg_values_supported).toEqual(['ES256']);
    });

    it.each([
      ['a symmetric (oct) key', () => ({ kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url'), alg: 'HS256' })],
      ['HS256 asked for an RSA key', async () => ({ ...(await privateJwk('RS256')), alg: 'HS256' })],
      [
        'an RSA key under 2048 bits (M-10)',
        () => generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' }),
      ],
      [
        'a public key only',
        async () => {
          const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = await privateJwk('RS256');
          return pub;
        },
      ],
    ])('AS-01: the server refuses to start with %s', async (_name, key) => {
      const privateKey = (await key()) as JWK;
      await expect(startServerApp({ server: () => ({ signingKeys: [{ privateKey }] }) })).rejects.toThrow(
        /server\.signingKeys\[0\]/,
      );
    });
  });

  describe('AS-02: restart with the same configuration', () => {
    it('AS-02: tokens minted before a restart stay valid with configured keys', async () => {
      const port = await freePort();
      const clock = new MutableClock();
      const privateKey = await privateJwk('RS256');
      const config = {
        port,
        clock,
        server: () => ({ signingKeys: [{ privateKey, kid: 'stable' }], clients: [M2M_CLIENT] }),
      };
      const first = await startServerApp(config);
      let token: string;
      try {
        token = await machineToken(first);
        expect((await callMcp(first, token)).status).toBe(200);
      } finally {
        await first.close();
      }
      const second = await startServerApp(config);
      try {
        expect((await callMcp(second, token)).status).toBe(200);
        expect((await jwks(second)).keys.map((k) => k.kid)).toEqual(['stable']);
      } finally {
        await second.close();
      }
    });

    it('AS-02: with the development ephemeral key, tokens die with the process: 401 invalid_token with resource_metadata', async () => {
      const port = await freePort();
      const clock = new MutableClock();
      const config = { port, clock, server: () => ({ clients: [M2M_CLIENT] }) };
      const first = await startServerApp(config);
      let token: string;
      try {
        token = await machineToken(first);
      } finally {
        await first.close();
      }
      const second = await startServerApp(config);
      try {
        const answer = await callMcp(second, token);
        expect(answer.status).toBe(401);
        expect(answer.challenge).toMatchObject({
          error: 'invalid_token',
          resource_metadata: `${second.origin}/.well-known/oauth-protected-resource/mcp`,
        });
      } finally {
        await second.close();
      }
    });

    it('AS-02: production refuses to start without configured keys (no ephemeral key)', async () => {
      await expect(
        startServerApp({ module: () => ({ production: true }), server: () => ({ users: [] }) }),
      ).rejects.toThrow(/server\.signingKeys: required in production/);
    });
  });

  describe('AS-03 / F-06 / M-10: key rotation over HTTP (publish before sign, retired key kept until its tokens expire)', () => {
    const TTL = 600;
    let server: ServerApp;
    let t0: number;
    beforeAll(async () => {
      const clock = new MutableClock();
      t0 = clock.seconds;
      const [oldKey, newKey] = await Promise.all([privateJwk('RS256'), privateJwk('ES256')]);
      server = await startServerApp({
        clock,
        server: () => ({
          accessTokenTtlSeconds: TTL,
          clients: [M2M_CLIENT],
          signingKeys: [
            { privateKey: oldKey, kid: 'old', retireAt: t0 + 1000 },
            // Published at once, signing only from t0 + 1000 (after every JWKS cache saw it).
            { privateKey: newKey, kid: 'new', activateAt: t0 + 1000 },
          ],
        }),
      });
    });
    afterAll(async () => server?.close());

    const kids = async () => (await jwks(server)).keys.map((k) => k.kid).sort();
    const at = (seconds: number) => {
      server.clock.ms = (t0 + seconds) * 1000;
    };
    /** What a third-party resource server that only knows the JWKS URL decides now. */
    const thirdParty = async (token: string) => {
      try {
        await jwtVerify(token, createRemoteJWKSet(new URL(`${server.origin}/jwks`)), {
          issuer: server.origin,
          audience: server.mcpUrl,
          currentDate: new Date(server.clock.now()),
        });
        return 'valid';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    };

    it('AS-03: the next key is in the JWKS before it signs anything; the current key signs', async () => {
      at(0);
      expect(await kids()).toEqual(['new', 'old']);
      expect(decodeProtectedHeader(await machineToken(server)).kid).toBe('old');
      at(999);
      expect(decodeProtectedHeader(await machineToken(server)).kid).toBe('old');
    });

    it('AS-03 / F-06: tokens of the retired key stay valid until they expire, and the key stays published until then', async () => {
      at(900);
      const oldToken = await machineToken(server);
      expect(decodeProtectedHeader(oldToken).kid).toBe('old');
      const oldUserToken = (await obtainUserTokens(server)).tokens.access_token;
      expect(decodeProtectedHeader(oldUserToken).kid).toBe('old');

      // Rotation: from t0 + 1000 the new key signs.
      at(1000);
      const newToken = await machineToken(server);
      expect(decodeProtectedHeader(newToken)).toMatchObject({ kid: 'new', alg: 'ES256' });
      expect(await kids()).toEqual(['new', 'old']);
      for (const token of [oldToken, oldUserToken, newToken]) {
        expect((await callMcp(server, token)).status).toBe(200);
        expect(await thirdParty(token)).toBe('valid');
      }
      const introspected = await postForm(
        `${server.origin}/introspect`,
        { token: oldToken },
        {
          authorization: basicAuth('m2m', M2M_SECRET),
        },
      );
      expect(introspected.body).toMatchObject({ active: true, client_id: 'm2m' });

      // Just before the old-key tokens expire (t0 + 900 + TTL): still valid, key still published.
      at(900 + TTL - 10);
      expect(await kids()).toEqual(['new', 'old']);
      expect((await callMcp(server, oldToken)).status).toBe(200);
      expect(await thirdParty(oldToken)).toBe('valid');

      // They expire on their own exp, not because the key left.
      at(900 + TTL + 10);
      const expired = await callMcp(server, oldToken);
      expect(expired.status).toBe(401);
      expect(expired.challenge?.error).toBe('invalid_token');
      expect(await kids()).toEqual(['new', 'old']);

      // The retired key leaves the JWKS one maximum token lifetime after its retirement.
      at(1000 + TTL - 1);
      expect(await kids()).toEqual(['new', 'old']);
      at(1000 + TTL);
      expect(await kids()).toEqual(['new']);
      // Tokens of the new key keep working; nothing signs with the retired key any more.
      const later = await machineToken(server);
      expect(decodeProtectedHeader(later).kid).toBe('new');
      expect((await callMcp(server, later)).status).toBe(200);
    });
  });

  describe('M-10: the JWKS', () => {
    let server: ServerApp;
    beforeAll(async () => {
      const clock = new MutableClock();
      const keys = await Promise.all([
        privateJwk('RS256'),
        privateJwk('ES256'),
        privateJwk('EdDSA'),
        privateJwk('PS256'),
      ]);
      server = await startServerApp({
        clock,
        server: () => ({
          signingKeys: [
            { privateKey: keys[0], kid: 'rsa' },
            { privateKey: keys[1], kid: 'ec', activateAt: clock.seconds + 3600 },
            { privateKey: keys[2] },
            { privateKey: { ...keys[3], kid: 'from-the-jwk' }, alg: 'PS256', retireAt: clock.seconds + 60 },
          ],
        }),
      });
    });
    afterAll(async () => server?.close());

    it('M-10: only public members, unique kids, use sig and alg, RSA ≥ 2048 bits', async () => {
      const response = await fetch(`${server.origin}/jwks`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const { keys } = (await response.json()) as { keys: JWK[] };
      expect(keys).toHaveLength(4);
      const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
      for (const key of keys) {
        expect({ kid: key.kid, private: PRIVATE.filter((m) => m in key) }).toEqual({ kid: key.kid, private: [] });
        expect(key.use).toBe('sig');
        expect(key.alg).toEqual(expect.any(String));
        expect(key.kty).not.toBe('oct');
        if (key.kty === 'RSA') expect(Buffer.from(key.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
      }
      const kids = keys.map((k) => k.kid);
      expect(new Set(kids).size).toBe(kids.length);
      expect(kids).toEqual(expect.arrayContaining(['rsa', 'ec', 'from-the-jwk']));
      // A key without a kid gets its RFC 7638 thumbprint.
      expect(kids.find((k) => !['rsa', 'ec', 'from-the-jwk'].includes(k!))).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Object.fromEntries(keys.map((k) => [k.kid, k.alg]))).toMatchObject({
        rsa: 'RS256',
        ec: 'ES256',
        'from-the-jwk': 'PS256',
      });
    });

    it('M-10: the metadata points at it and lists the algorithms', async () => {
      const metadata = (await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json()) as {
        jwks_uri: string;
        access_token_signing_alg_values_supported: string[];
      };
      expect(metadata.jwks_uri).toBe(`${server.origin}/jwks`);
      expect([...metadata.access_token_signing_alg_values_supported].sort()).toEqual(
        ['EdDSA', 'ES256', 'PS256', 'RS256'].sort(),
      );
    });

    it('M-10: read-only', async () => {
      for (const method of ['POST', 'PUT', 'DELETE']) {
        const response = await fetch(`${server.origin}/jwks`, { method });
        expect({ method, status: response.status }).toEqual({ method, status: 405 });
      }
    });
  });

  describe('AS-04: entropy of refresh tokens, client secrets and token ids', () => {
    const SAMPLES = 1000;
    let server: ServerApp;
    beforeAll(async () => {
      server = await startServerApp({
        server: () => ({
          clients: [M2M_CLIENT],
          clientRegistration: { rateLimit: false },
          // Rotation without a grace window: every refresh must present the newest token.
          refreshGraceSeconds: 0,
        }),
      });
    });
    afterAll(async () => server?.close());

    /**
     * Checks a sample of random strings: all distinct, base64url, long enough, and with the
     * character statistics of uniform randomness (a counter, a timestamp or hex would fail).
     */
    function expectRandom(values: string[], minBits: number) {
      expect(new Set(values).size).toBe(values.length);
      for (const value of values) expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
      const shortest = Math.min(...values.map((v) => v.length));
      const fewestBits = Math.min(...values.map((v) => Buffer.from(v, 'base64url').length * 8));
      expect(fewestBits).toBeGreaterThanOrEqual(minBits);
      const counts = new Map<string, number>();
      let total = 0;
      for (const value of values)
        for (const char of value.slice(0, shortest - 1)) {
          counts.set(char, (counts.get(char) ?? 0) + 1);
          total++;
        }
      let entropy = 0;
      for (const count of counts.values()) entropy -= (count / total) * Math.log2(count / total);
      // Uniform base64url has 6 bits per character; a sample this large estimates ≥ 5.95.
      expect(entropy).toBeGreaterThan(5.95);
      // No shared prefix or suffix (a fixed part would be a common prefix across the sample).
      expect(new Set(values.map((v) => v.slice(0, 4))).size).toBeGreaterThan(values.length * 0.9);
    }

    // A thousand HTTP round trips each: more than the default 5 s on a loaded machine.
    const SLOW = 120_000;

    it(
      `AS-04: ${SAMPLES} rotated refresh tokens: ≥ 128 bits each, all distinct, uniformly random`,
      async () => {
        const client = await registerClient(server.origin);
        const { tokens } = await obtainUserTokens(server, { client });
        const refreshTokens = [tokens.refresh_token!];
        for (let i = 1; i < SAMPLES; i++) {
          const answer = await tokenRequest(server.origin, {
            grant_type: 'refresh_token',
            refresh_token: refreshTokens.at(-1)!,
            client_id: client.client_id,
          });
          expect(answer.status).toBe(200);
          refreshTokens.push(answer.body.refresh_token as string);
        }
        expectRandom(refreshTokens, 128);
      },
      SLOW,
    );

    it(
      `AS-04: ${SAMPLES} client secrets from DCR: ≥ 256 bits each, all distinct, uniformly random`,
      async () => {
        const secrets: string[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          const client = await registerClient(server.origin, { token_endpoint_auth_method: 'client_secret_basic' });
          secrets.push(client.client_secret!);
        }
        expectRandom(secrets, 256);
      },
      SLOW,
    );

    it(
      `AS-04: ${SAMPLES} access-token ids (jti): ≥ 128 bits each, all distinct`,
      async () => {
        const ids: string[] = [];
        for (let i = 0; i < SAMPLES; i++) ids.push(decodeJwt(await machineToken(server)).jti!);
        expectRandom(ids, 128);
      },
      SLOW,
    );
  });
});

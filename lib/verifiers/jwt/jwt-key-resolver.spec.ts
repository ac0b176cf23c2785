import { jest } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import {
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWK,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';
import { VerifierUnavailableError } from '../../core/errors/token.errors.js';
import type { JwtVerifierOptions } from '../../core/options/verifier-options.js';
import { JwksServer } from '../../../test/helpers/jwks-server.js';
import { testKey, type TestKey } from '../../../test/helpers/keys.js';
import { SinkServer } from '../../../test/helpers/sink-server.js';
import { KX_CERT_PEM, KX_PRIVATE_PEM } from '../../../test/fixtures/verifier-x5c.js';
import { createJwtKeyResolver, toPublicJwk, type JwksStats } from './jwt-key-resolver.js';

const NO_TOKEN = {} as FlattenedJWSInput;

async function resolve(resolver: unknown, header: Partial<JWTHeaderParameters>): Promise<unknown> {
  return (resolver as JWTVerifyGetKey)(header as JWTHeaderParameters, NO_TOKEN);
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('createJwtKeyResolver', () => {
  let k1: TestKey;
  let k2: TestKey;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([testKey('k1'), testKey('k2')]);
  });

  describe('secret', () => {
    it('returns the UTF-8 bytes of the HMAC secret', () => {
      const key = createJwtKeyResolver({ type: 'jwt', issuer: 'i', secret: 'é'.repeat(32) } as JwtVerifierOptions);
      expect(key).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(key as Uint8Array).toString('utf8')).toBe('é'.repeat(32));
    });
  });

  describe('static public keys', () => {
    const staticResolver = (publicKeys: Array<string | JWK>) =>
      createJwtKeyResolver({ type: 'jwt', issuer: 'i', publicKeys } as JwtVerifierOptions);

    it('turns one SPKI PEM into its public JWK, used whatever the token kid', () => {
      const key = staticResolver([k1.publicPem]) as JWK;
      expect(key).toEqual({ kty: 'RSA', n: k1.publicJwk.n, e: k1.publicJwk.e });
    });

    it('reads PKCS#1 PEM and certificate PEM too', () => {
      const pkcs1 = createPublicKey(k1.publicPem).export({ type: 'pkcs1', format: 'pem' }) as string;
      expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
      expect((staticResolver([pkcs1]) as JWK).n).toBe(k1.publicJwk.n);
      const certKey = new X509Certificate(KX_CERT_PEM).publicKey.export({ format: 'jwk' });
      expect(staticResolver([KX_CERT_PEM])).toEqual(certKey);
    });

    it.each(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])('refuses a JWK carrying the private member %s', (member) => {
      expect(() => staticResolver([{ ...k1.publicJwk, [member]: 'AAAA' }])).toThrow('must be public');
    });

    it('refuses private PEM keys instead of deriving their public half', () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      for (const pem of [
        KX_PRIVATE_PEM,
        rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
        ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string,
      ]) {
        expect(() => toPublicJwk(pem)).toThrow('must be public');
      }
    });

    it('selects JWKs by kid', async () => {
      const resolver = staticResolver([k1.publicJwk, k2.publicJwk]);
      expect(typeof resolver).toBe('function');
      const key = (await resolve(resolver, { alg: 'RS256', kid: 'k2' })) as CryptoKey;
      expect(key.type).toBe('public');
      await expect(resolve(resolver, { alg: 'RS256', kid: 'kx' })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    });

    it('matches tokens whose kid names no configured key against the keys without kid (PEM rotation)', async () => {
      const resolver = staticResolver([{ ...k1.publicJwk }, k2.publicPem]);
      const byKid = (await resolve(resolver, { alg: 'RS256', kid: 'k1' })) as CryptoKey;
      const anonymous = (await resolve(resolver, { alg: 'RS256', kid: 'from-the-idp' })) as CryptoKey;
      const noKid = (await resolve(resolver, { alg: 'RS256' })) as CryptoKey;
      expect(anonymous).toBe(noKid);
      expect(byKid).not.toBe(anonymous);
      // two PEM keys: both are candidates, tried in turn by the strategy
      const twoPems = staticResolver([k1.publicPem, k2.publicPem]);
      const error = await failure(resolve(twoPems, { alg: 'RS256', kid: 'k1' }));
      expect(error).toBeInstanceOf(errors.JWKSMultipleMatchingKeys);
      const candidates: unknown[] = [];
      for await (const candidate of error as errors.JWKSMultipleMatchingKeys) candidates.push(candidate);
      expect(candidates).toHaveLength(2);
    });

    it('V-03: never yields an HMAC secret for a public key', async () => {
      const single = staticResolver([k1.publicPem]);
      expect(single).not.toBeInstanceOf(Uint8Array);
      expect(single).toMatchObject({ kty: 'RSA' });
      expect(single).not.toHaveProperty('k');
      const set = staticResolver([k1.publicJwk, k2.publicJwk]);
      await expect(resolve(set, { alg: 'HS256', kid: 'k1' })).rejects.toBeInstanceOf(errors.JOSENotSupported);
    });
  });

  describe('remote JWKS', () => {
    let jwks: JwksServer;
    let sink: SinkServer;
    let stats: JwksStats;
    const remote = (jwksOptions: JwtVerifierOptions['jwks'] = {}) =>
      createJwtKeyResolver(
        { type: 'jwt', issuer: 'i', jwksUri: jwks.url, jwks: jwksOptions } as JwtVerifierOptions,
        stats,
      );

    beforeAll(async () => {
      jwks = await new JwksServer().start();
      sink = await new SinkServer().start();
    });
    afterAll(async () => {
      await jwks.stop();
      await sink.stop();
    });
    beforeEach(() => {
      jwks.keys = [k1.publicJwk, k2.publicJwk];
      jwks.behaviour = {};
      jwks.hits = 0;
      stats = { fetches: 0 };
    });
    afterEach(() => {
      jest.restoreAllMocks();
    });

    /** Moves `Date.now()` (which jose's cache and the stale window read) by `offsetMs`. */
    const shiftClock = (offsetMs: number) => {
      const real = Date.now.bind(Date);
      jest.restoreAllMocks();
      jest.spyOn(Date, 'now').mockImplementation(() => real() + offsetMs);
    };

    it('fetches lazily, selects by kid and counts fetches', async () => {
      const resolver = remote();
      expect(jwks.hits).toBe(0);
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k2' })).resolves.toMatchObject({ type: 'public' });
      await resolve(resolver, { alg: 'RS256', kid: 'k1' });
      expect(jwks.hits).toBe(1);
      expect(stats.fetches).toBe(1);
    });

    it('coalesces concurrent cold lookups into one fetch', async () => {
      jwks.behaviour = { delayMs: 50 };
      const resolver = remote();
      await Promise.all(Array.from({ length: 25 }, () => resolve(resolver, { alg: 'RS256', kid: 'k1' })));
      expect(jwks.hits).toBe(1);
    });

    it('V-03: refuses HMAC algorithms on a JWKS (no secret key can come out of it)', async () => {
      const error = await failure(resolve(remote(), { alg: 'HS256', kid: 'k1' }));
      expect(error).toBeInstanceOf(errors.JOSENotSupported);
    });

    it('V-09: a token without kid is ambiguous when the JWKS has several RSA keys', async () => {
      await expect(resolve(remote(), { alg: 'RS256' })).rejects.toBeInstanceOf(errors.JWKSMultipleMatchingKeys);
    });

    it('V-09 (policy): with a single-key JWKS, a token without kid gets that key', async () => {
      jwks.keys = [k1.publicJwk];
      await expect(resolve(remote(), { alg: 'RS256' })).resolves.toMatchObject({ type: 'public' });
    });

    it('unknown kid: refetches at most once per cooldown', async () => {
      const resolver = remote({ cooldownMs: 30_000 });
      await resolve(resolver, { alg: 'RS256', kid: 'k1' });
      await expect(resolve(resolver, { alg: 'RS256', kid: 'kx' })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      expect(jwks.hits).toBe(1); // inside the cooldown: no refetch
      shiftClock(31_000);
      await Promise.all(
        Array.from({ length: 10 }, () =>
          expect(resolve(resolver, { alg: 'RS256', kid: 'kx' })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey),
        ),
      );
      expect(jwks.hits).toBe(2);
    });

    it('fails within the configured timeout when the endpoint is slow (503)', async () => {
      jwks.behaviour = { delayMs: 1000 };
      const started = Date.now();
      const error = await failure(resolve(remote({ timeoutMs: 150 }), { alg: 'RS256', kid: 'k1' }));
      expect(error).toBeInstanceOf(VerifierUnavailableError);
      expect(Date.now() - started).toBeLessThan(900);
    });

    const garbage: Array<[string, Partial<JwksServer['behaviour']> | (() => void)]> = [
      ['HTML with 200', { body: '<html><body>hello</body></html>', headers: { 'content-type': 'text/html' } }],
      ['{}', { body: '{}' }],
      ['{"keys":{}}', { body: '{"keys":{}}' }],
      ['a key without its public parameters', { body: '{"keys":[{"kty":"RSA","kid":"k1"}]}' }],
      ['a key without kty', { body: '{"keys":[{"kid":"k1","n":"AQAB","e":"AQAB"}]}' }],
      ['status 500', { status: 500 }],
      ['status 404', { status: 404 }],
      ['connection dropped', { drop: true }],
      ['private RSA members (d)', () => (jwks.keys = [{ ...k1.publicJwk, d: 'AAAA' }])],
      ['a symmetric key (k)', () => (jwks.keys = [k1.publicJwk, { kty: 'oct', kid: 'hs', k: 'c2VjcmV0' }])],
      [
        'an oversized body',
        () => (jwks.keys = [k1.publicJwk, { kty: 'RSA', kid: 'pad', n: 'A'.repeat(300_000), e: 'AQAB' }]),
      ],
    ];

    it.each(garbage)('fails closed on a cold cache: %s → VerifierUnavailableError', async (_name, setup) => {
      if (typeof setup === 'function') setup();
      else jwks.behaviour = setup;
      await expect(resolve(remote(), { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(VerifierUnavailableError);
    });

    it.each(garbage)('keeps the last good key set on a warm cache: %s', async (_name, setup) => {
      const resolver = remote({ cacheMaxAgeMs: 1000 });
      await resolve(resolver, { alg: 'RS256', kid: 'k1' });
      if (typeof setup === 'function') setup();
      else jwks.behaviour = setup;
      shiftClock(2000); // past the cache age: jose reloads and gets the garbage
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).resolves.toMatchObject({ type: 'public' });
      expect(jwks.hits).toBe(2);
    });

    it('a redirect is not followed (0 hits on the sink)', async () => {
      sink.body = JSON.stringify({ keys: [k1.publicJwk] });
      jwks.behaviour = { status: 302, headers: { location: `${sink.origin}/jwks` } };
      await expect(resolve(remote(), { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(VerifierUnavailableError);
      expect(sink.hits()).toBe(0);
    });

    it('duplicate kids make the selection ambiguous', async () => {
      jwks.keys = [k1.publicJwk, { ...k2.publicJwk, kid: 'k1' }];
      await expect(resolve(remote(), { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(
        errors.JWKSMultipleMatchingKeys,
      );
    });

    it('stale-if-error: serves the last good set for one hour, retrying once per cooldown', async () => {
      const resolver = remote({ cacheMaxAgeMs: 60_000, cooldownMs: 30_000 });
      await resolve(resolver, { alg: 'RS256', kid: 'k1' });
      jwks.behaviour = { drop: true };

      shiftClock(11 * 60_000); // cache expired, endpoint down
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).resolves.toMatchObject({ type: 'public' });
      expect(jwks.hits).toBe(2);
      // served from the stale set without asking again inside the cooldown
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k2' })).resolves.toMatchObject({ type: 'public' });
      expect(jwks.hits).toBe(2);
      // an unknown kid is still the token's fault (401), not a 503
      await expect(resolve(resolver, { alg: 'RS256', kid: 'kx' })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);

      shiftClock(11 * 60_000 + 31_000); // cooldown over: one new attempt, then stale again
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).resolves.toMatchObject({ type: 'public' });
      expect(jwks.hits).toBe(3);

      shiftClock(61 * 60_000); // the stale set is more than an hour old
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(VerifierUnavailableError);
      expect(jwks.hits).toBe(4);

      jwks.behaviour = {}; // endpoint back: recovers without a restart
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).resolves.toMatchObject({ type: 'public' });
      expect(jwks.hits).toBe(5);
    });

    it('without a previous good set every request tries the endpoint (coalesced), so it recovers at once', async () => {
      jwks.behaviour = { status: 503 };
      const resolver = remote();
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(VerifierUnavailableError);
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).rejects.toBeInstanceOf(VerifierUnavailableError);
      expect(jwks.hits).toBe(2);
      jwks.behaviour = {};
      await expect(resolve(resolver, { alg: 'RS256', kid: 'k1' })).resolves.toMatchObject({ type: 'public' });
      expect(stats.fetches).toBe(3);
    });
  });
});

import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jest } from '@jest/globals';
import {
  SignJWT,
  UnsecuredJWT,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { McpAuthClock } from '../../core/clock.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { StorageUnavailableError } from '../../storage/storage.errors.js';
import { OAuthEndpointError } from '../oauth.errors.js';
import { ClientJwksUnavailableError, type ClientJwksSource } from './client-assertion-jwks.fetcher.js';
import { CLIENT_ASSERTION_ALGORITHMS, JwtClientAssertionVerifier } from './client-assertion.verifier.js';
import type { OAuthClient } from './oauth-client.js';

const ISSUER = 'https://as.example.com';
const TOKEN_ENDPOINT = 'https://as.example.com/token';
const JWKS_URI = 'https://keys.client.example/jwks.json';
const START = 1_700_000_000_000;

interface KeyPair {
  readonly privateKey: CryptoKey | KeyObject;
  readonly jwk: JWK;
  readonly alg: string;
}

/** One RSA key serves every RS and PS algorithm (RSA key generation is slow). */
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });

async function keyPair(alg: string, kid: string | undefined): Promise<KeyPair> {
  if (/^[RP]S/.test(alg)) {
    const jwk = RSA.publicKey.export({ format: 'jwk' }) as JWK;
    return { privateKey: RSA.privateKey, jwk: kid === undefined ? jwk : { ...jwk, kid }, alg };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk: kid === undefined ? jwk : { ...jwk, kid }, alg };
}

const clientWith = (keys: Partial<OAuthClient>, clientId = 'm2m'): OAuthClient => ({
  clientId,
  source: 'static',
  clientIdIssuedAt: 0,
  redirectUris: [],
  grantTypes: ['client_credentials'],
  responseTypes: [],
  tokenEndpointAuthMethod: 'private_key_jwt',
  applicationType: 'web',
  ...keys,
});

/** A fake `jwks_uri` source: what the URL serves now, and whether a refetch is allowed. */
class FakeJwksSource implements ClientJwksSource {
  served: JSONWebKeySet | Error = { keys: [] };
  cached: JSONWebKeySet | undefined;
  refetchAllowed = true;
  readonly calls: string[] = [];

  async get(uri: string): Promise<JSONWebKeySet> {
    this.calls.push(`get ${uri}`);
    if (this.cached === undefined) this.cached = this.load();
    return this.cached;
  }

  async refresh(uri: string): Promise<JSONWebKeySet | undefined> {
    this.calls.push(`refresh ${uri}`);
    if (!this.refetchAllowed) return undefined;
    this.cached = this.load();
    return this.cached;
  }

  private load(): JSONWebKeySet {
    if (this.served instanceof Error) throw this.served;
    return this.served;
  }
}

describe('JwtClientAssertionVerifier (private_key_jwt, RFC 7523)', () => {
  let now: number;
  const clock: McpAuthClock = { now: () => now };
  const nowSeconds = () => Math.floor(now / 1000);
  let store: MemoryStore;
  let logger: { debug: jest.Mock<(message: string) => void> };
  let jwksSource: FakeJwksSource;
  let verifier: JwtClientAssertionVerifier;
  let es256: KeyPair;
  let client: OAuthClient;
  let jti = 0;

  /** Keys of the unexpired records of the memory store (test-only introspection). */
  const liveKeys = () =>
    [...(store as unknown as { entries: Map<string, { expiresAt: number }> }).entries]
      .filter(([, entry]) => entry.expiresAt > now)
      .map(([key]) => key);

  const build = (overrides: Partial<ConstructorParameters<typeof JwtClientAssertionVerifier>[0]> = {}) =>
    new JwtClientAssertionVerifier({
      issuer: ISSUER,
      tokenEndpoint: TOKEN_ENDPOINT,
      store,
      clock,
      logger,
      jwksSource,
      ...overrides,
    });

  /** An assertion from `m2m` with valid claims, `overrides` applied (`undefined` removes a claim). */
  async function mint(
    overrides: Record<string, unknown> = {},
    options: { key?: KeyPair; header?: Record<string, unknown> } = {},
  ): Promise<string> {
    const key = options.key ?? es256;
    const claims: Record<string, unknown> = {
      iss: 'm2m',
      sub: 'm2m',
      aud: ISSUER,
      iat: nowSeconds(),
      exp: nowSeconds() + 60,
      jti: `jti-${++jti}`,
      ...overrides,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    return new SignJWT(claims as JWTPayload)
      .setProtectedHeader({ alg: key.alg, ...(key.jwk.kid ? { kid: key.jwk.kid } : {}), ...options.header })
      .sign(key.privateKey);
  }

  /** The refusal is the one generic 401 invalid_client; the reason is only logged. */
  async function expectRefused(verification: Promise<void>, reason: RegExp): Promise<void> {
    const error = await verification.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OAuthEndpointError);
    expect(error).toMatchObject({ error: 'invalid_client', status: 401, message: 'Client authentication failed' });
    expect(logger.debug).toHaveBeenCalledTimes(1);
    expect(logger.debug.mock.calls[0]![0]).toMatch(reason);
    logger.debug.mockClear();
  }

  beforeAll(async () => {
    es256 = await keyPair('ES256', 'k1');
  });

  beforeEach(() => {
    now = START;
    store = new MemoryStore({}, clock);
    logger = { debug: jest.fn<(message: string) => void>() };
    jwksSource = new FakeJwksSource();
    client = clientWith({ jwks: { keys: [es256.jwk] } });
    verifier = build();
  });

  afterEach(async () => {
    await store.close();
  });

  describe('accepts', () => {
    it('AS-05: an assertion addressed to the issuer identifier', async () => {
      await expect(verifier.verify(client, await mint())).resolves.toBeUndefined();
      expect(logger.debug).not.toHaveBeenCalled();
    });

    it('AS-05: an assertion addressed to the token endpoint URL, or an aud array containing either', async () => {
      await expect(verifier.verify(client, await mint({ aud: TOKEN_ENDPOINT }))).resolves.toBeUndefined();
      await expect(
        verifier.verify(client, await mint({ aud: ['https://other.example', ISSUER] })),
      ).resolves.toBeUndefined();
    });

    it.each(CLIENT_ASSERTION_ALGORITHMS)('every allowed algorithm: %s', async (alg) => {
      const key = await keyPair(alg, `kid-${alg}`);
      const keyed = clientWith({ jwks: { keys: [es256.jwk, key.jwk] } });
      await expect(verifier.verify(keyed, await mint({}, { key }))).resolves.toBeUndefined();
    });

    it('typ JWT or client-authentication+jwt (draft-ietf-oauth-rfc7523bis), and no typ', async () => {
      for (const typ of ['JWT', 'client-authentication+jwt', 'application/client-authentication+jwt']) {
        await expect(verifier.verify(client, await mint({}, { header: { typ } }))).resolves.toBeUndefined();
      }
    });

    it('without kid, trying every key of the set that fits the algorithm', async () => {
      const first = await keyPair('ES256', undefined);
      const second = await keyPair('ES256', undefined);
      const keyed = clientWith({ jwks: { keys: [first.jwk, second.jwk] } });
      await expect(verifier.verify(keyed, await mint({}, { key: second }))).resolves.toBeUndefined();
    });

    it('exp and nbf within the clock tolerance (30 s), exp exactly maxLifetime + tolerance ahead', async () => {
      await expect(verifier.verify(client, await mint({ exp: nowSeconds() - 20 }))).resolves.toBeUndefined();
      await expect(verifier.verify(client, await mint({ nbf: nowSeconds() + 20 }))).resolves.toBeUndefined();
      await expect(verifier.verify(client, await mint({ iat: nowSeconds() + 20 }))).resolves.toBeUndefined();
      await expect(verifier.verify(client, await mint({ exp: nowSeconds() + 330 }))).resolves.toBeUndefined();
    });

    it('the same jti from another client (jti values are scoped to their issuer)', async () => {
      const other = clientWith({ jwks: { keys: [es256.jwk] } }, 'other');
      await verifier.verify(client, await mint({ jti: 'shared' }));
      await expect(
        verifier.verify(other, await mint({ iss: 'other', sub: 'other', jti: 'shared' })),
      ).resolves.toBeUndefined();
    });
  });

  describe('refuses with 401 invalid_client', () => {
    it('AS-05: a replayed assertion, and another assertion reusing its jti', async () => {
      const assertion = await mint({ jti: 'once' });
      await verifier.verify(client, assertion);
      await expectRefused(verifier.verify(client, assertion), /jti was already used/);
      await expectRefused(verifier.verify(client, await mint({ jti: 'once' })), /jti was already used/);
    });

    it('AS-05: a replay on another instance sharing the store', async () => {
      const assertion = await mint();
      await build().verify(client, assertion);
      await expectRefused(build().verify(client, assertion), /jti was already used/);
    });

    it('remembers the jti until the assertion expires (plus tolerance), not longer', async () => {
      const assertion = await mint({ exp: nowSeconds() + 60 });
      await verifier.verify(client, assertion);
      now += 89_000;
      // Still within exp + tolerance: the jti record must still be there.
      await expectRefused(verifier.verify(client, assertion), /jti was already used/);
      now += 2000;
      await expectRefused(verifier.verify(client, assertion), /"exp" claim timestamp check failed/);
      expect(liveKeys()).toEqual([]);
    });

    it('AS-05: an assertion addressed elsewhere (another server, the resource, no aud)', async () => {
      await expectRefused(verifier.verify(client, await mint({ aud: 'https://evil.example/token' })), /aud/);
      await expectRefused(verifier.verify(client, await mint({ aud: `${ISSUER}/mcp` })), /aud/);
      await expectRefused(verifier.verify(client, await mint({ aud: `${ISSUER}/` })), /aud/);
      await expectRefused(verifier.verify(client, await mint({ aud: undefined })), /aud/);
    });

    it('AS-05: a wrong iss, a wrong sub, no sub, iss different from sub', async () => {
      await expectRefused(verifier.verify(client, await mint({ iss: 'other', sub: 'other' })), /iss/);
      await expectRefused(verifier.verify(client, await mint({ sub: 'other' })), /sub/);
      await expectRefused(verifier.verify(client, await mint({ sub: undefined })), /sub/);
      await expectRefused(verifier.verify(client, await mint({ iss: undefined })), /iss/);
      await expectRefused(verifier.verify(client, await mint({ iss: 'm2m', sub: 'admin' })), /sub/);
    });

    it('AS-05: an assertion that expired 5 minutes ago', async () => {
      await expectRefused(
        verifier.verify(client, await mint({ iat: nowSeconds() - 360, exp: nowSeconds() - 300 })),
        /"exp" claim timestamp check failed/,
      );
    });

    it('an assertion valid for longer than 5 minutes (+ tolerance)', async () => {
      await expectRefused(verifier.verify(client, await mint({ exp: nowSeconds() + 331 })), /exp is more than 300 s/);
      await expectRefused(verifier.verify(client, await mint({ exp: nowSeconds() + 86_400 })), /exp is more than/);
    });

    it('missing exp, missing or empty jti, non-numeric exp', async () => {
      await expectRefused(verifier.verify(client, await mint({ exp: undefined })), /missing required "exp"/);
      await expectRefused(verifier.verify(client, await mint({ jti: undefined })), /missing required "jti"/);
      await expectRefused(verifier.verify(client, await mint({ jti: '' })), /jti must be a non-empty string/);
      await expectRefused(verifier.verify(client, await mint({ jti: 42 })), /jti must be a non-empty string/);
      await expectRefused(verifier.verify(client, await mint({ exp: 'soon' })), /"exp"/);
    });

    it('nbf or iat in the future beyond the tolerance', async () => {
      await expectRefused(verifier.verify(client, await mint({ nbf: nowSeconds() + 31 })), /"nbf"/);
      await expectRefused(verifier.verify(client, await mint({ iat: nowSeconds() + 31 })), /iat is in the future/);
    });

    it('AS-05: alg none (an unsecured JWT)', async () => {
      const unsecured = new UnsecuredJWT({ iss: 'm2m', sub: 'm2m', aud: ISSUER, jti: 'n', exp: nowSeconds() + 60 })
        .setIssuedAt(nowSeconds())
        .encode();
      await expectRefused(verifier.verify(client, unsecured), /alg/i);
    });

    it('AS-05: HS256, with any secret, including the public key bytes (algorithm confusion)', async () => {
      const claims = { iss: 'm2m', sub: 'm2m', aud: ISSUER, jti: 'h', exp: nowSeconds() + 60 };
      for (const secret of [
        new TextEncoder().encode('a shared secret of enough length!!'),
        Buffer.from(es256.jwk.x!),
      ]) {
        const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
        await expectRefused(verifier.verify(client, hs), /"alg" \(Algorithm\) Header Parameter value not allowed/);
      }
    });

    it('an algorithm outside the configured subset', async () => {
      const rsOnly = build({ algorithms: ['RS256'] });
      await expectRefused(rsOnly.verify(client, await mint()), /not allowed/);
    });

    it('an algorithm the key does not fit (RS256 header, EC key)', async () => {
      // jose refuses to sign RS256 with an EC key: relabel a valid ES256 assertion by hand.
      const [, payload, signature] = (await mint()).split('.');
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1' })).toString('base64url');
      await expectRefused(verifier.verify(client, `${header}.${payload}.${signature}`), /no applicable key/);
    });

    it('an RSA key shorter than 2048 bits', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const jwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak' };
      const weak = clientWith({ jwks: { keys: [jwk] } });
      // jose refuses to sign with a short key: sign by hand.
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${encode({ alg: 'RS256', kid: 'weak' })}.${encode({ iss: 'm2m', sub: 'm2m', aud: ISSUER, jti: 'w', exp: nowSeconds() + 60 })}`;
      const assertion = `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
      await expectRefused(verifier.verify(weak, assertion), /2048/);
    });

    it('a signature by another key under a registered kid', async () => {
      const impostor = await keyPair('ES256', 'k1');
      await expectRefused(verifier.verify(client, await mint({}, { key: impostor })), /signature verification failed/);
    });

    it('an unknown kid in an inline jwks', async () => {
      const unknown = await keyPair('ES256', 'k2');
      await expectRefused(verifier.verify(client, await mint({}, { key: unknown })), /no applicable key found/);
    });

    it('another kind of JWT (typ at+jwt)', async () => {
      await expectRefused(verifier.verify(client, await mint({}, { header: { typ: 'at+jwt' } })), /unexpected typ/);
    });

    it('a client not registered for private_key_jwt, or without keys', async () => {
      const secretClient = clientWith({ tokenEndpointAuthMethod: 'client_secret_basic', jwks: { keys: [es256.jwk] } });
      await expectRefused(verifier.verify(secretClient, await mint()), /not registered for private_key_jwt/);
      await expectRefused(verifier.verify(clientWith({}), await mint()), /neither jwks nor jwks_uri/);
    });

    it('garbage, a JWE-shaped value, an oversized assertion', async () => {
      await expectRefused(verifier.verify(client, 'not-a-jwt'), /Invalid Compact JWS/);
      await expectRefused(verifier.verify(client, 'a.b.c.d.e'), /Invalid Compact JWS/);
      await expectRefused(verifier.verify(client, `${await mint()}${'A'.repeat(16_384)}`), /too long/);
    });

    it('the failure never says which check failed, and nothing is stored', async () => {
      const answers = await Promise.all(
        [mint({ aud: 'x' }), mint({ iss: 'x' }), mint({ exp: nowSeconds() - 600 })].map(async (a) =>
          verifier.verify(client, await a).catch((e: OAuthEndpointError) => [e.status, e.error, e.message]),
        ),
      );
      expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
        new Set([JSON.stringify([401, 'invalid_client', 'Client authentication failed'])]),
      );
      expect(liveKeys()).toEqual([]);
    });
  });

  describe('keys from jwks_uri', () => {
    let uriClient: OAuthClient;
    beforeEach(() => {
      uriClient = clientWith({ jwksUri: JWKS_URI });
      jwksSource.served = { keys: [es256.jwk] };
    });

    it('verifies with the key set the URL serves', async () => {
      await expect(verifier.verify(uriClient, await mint())).resolves.toBeUndefined();
      expect(jwksSource.calls).toEqual([`get ${JWKS_URI}`]);
    });

    it('refetches once on an unknown kid (the client rotated its key)', async () => {
      await verifier.verify(uriClient, await mint());
      const rotated = await keyPair('ES256', 'k2');
      jwksSource.served = { keys: [es256.jwk, rotated.jwk] };
      await expect(verifier.verify(uriClient, await mint({}, { key: rotated }))).resolves.toBeUndefined();
      expect(jwksSource.calls).toEqual([`get ${JWKS_URI}`, `get ${JWKS_URI}`, `refresh ${JWKS_URI}`]);
    });

    it('an unknown kid still unknown after the refetch, or within the refetch cooldown', async () => {
      const stranger = await keyPair('ES256', 'k9');
      await expectRefused(verifier.verify(uriClient, await mint({}, { key: stranger })), /no applicable key/);
      jwksSource.refetchAllowed = false;
      await expectRefused(verifier.verify(uriClient, await mint({}, { key: stranger })), /no applicable key/);
      expect(jwksSource.calls.filter((c) => c.startsWith('refresh'))).toHaveLength(2);
    });

    it('an unreachable or invalid jwks_uri is invalid_client (the client’s resource), not 503', async () => {
      jwksSource.served = new ClientJwksUnavailableError('jwks_uri: timed out');
      await expectRefused(verifier.verify(uriClient, await mint()), /jwks_uri: timed out/);
    });

    it('inline jwks wins when a client has both (registration forbids it; be deterministic anyway)', async () => {
      const both = clientWith({ jwks: { keys: [es256.jwk] }, jwksUri: JWKS_URI });
      await expect(verifier.verify(both, await mint())).resolves.toBeUndefined();
      expect(jwksSource.calls).toEqual([]);
    });
  });

  describe('the store', () => {
    it('a store outage is a 503 StorageUnavailableError, not invalid_client', async () => {
      jest
        .spyOn(store, 'setIfAbsent')
        .mockRejectedValueOnce(new StorageUnavailableError(undefined, { cause: new Error('ECONNREFUSED') }));
      await expect(verifier.verify(client, await mint())).rejects.toBeInstanceOf(StorageUnavailableError);
    });

    it('the jti record is keyed by a hash, never the raw jti', async () => {
      await verifier.verify(client, await mint({ jti: 'visible-jti-value' }));
      const keys = liveKeys();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^client-assertion-jti:[A-Za-z0-9_-]{43}$/);
    });
  });

  describe('configuration', () => {
    it.each([[['HS256']], [['none']], [[]]])('refuses algorithms %j', (algorithms) => {
      expect(() => build({ algorithms: algorithms as never })).toThrow(TypeError);
    });
  });
});

import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  errors,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { McpAuthClock } from '../core/clock.js';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import { AccessTokenSigner } from './access-token-signer.js';
import { newJti } from './jti.util.js';
import { NoActiveSigningKeyError } from './keys.errors.js';
import { SIGNING_ALGORITHMS, type SigningKeyOptions } from './signing-key-options.js';
import { SigningKeySet, type PublishedJwks } from './signing-key-set.js';

/** A clock that moves only when told to. */
class FakeClock implements McpAuthClock {
  private ms: number;
  constructor(seconds: number) {
    this.ms = seconds * 1000;
  }
  now(): number {
    return this.ms;
  }
  set(seconds: number): void {
    this.ms = seconds * 1000;
  }
}

const T0 = 1_800_000_000;
const MAX_LIFETIME = 3600;
const ISSUER = 'https://as.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';

type KeyAlg = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';

async function privateKeyOf(alg: KeyAlg): Promise<{ jwk: JWK; pem: string }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { jwk: await exportJWK(privateKey), pem: await exportPKCS8(privateKey) };
}

function createSet(keys: SigningKeyOptions[] | undefined, clock: McpAuthClock, production = false) {
  return SigningKeySet.create(keys, { production, clock, maxTokenLifetimeSeconds: MAX_LIFETIME });
}

async function signAt(set: SigningKeySet, clock: FakeClock, seconds: number): Promise<string> {
  clock.set(seconds);
  return new AccessTokenSigner(set).sign({
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'mcp:read',
    iat: seconds,
    exp: seconds + 600,
    jti: newJti(),
  });
}

/** Verifies as a resource server would, with a JWKS fetched as JSON. */
function verifyWith(token: string, key: JWTVerifyGetKey, seconds: number) {
  return jwtVerify(token, key, {
    issuer: ISSUER,
    audience: RESOURCE,
    algorithms: [...SIGNING_ALGORITHMS],
    typ: 'at+jwt',
    currentDate: new Date(seconds * 1000),
  });
}

const fetched = (jwks: PublishedJwks): JSONWebKeySet => JSON.parse(JSON.stringify(jwks)) as JSONWebKeySet;

async function configurationError(promise: Promise<unknown>): Promise<McpAuthConfigurationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpAuthConfigurationError);
  return error as McpAuthConfigurationError;
}

describe('SigningKeySet', () => {
  let rsa: { jwk: JWK; pem: string };
  let p256: { jwk: JWK; pem: string };
  let p384: { jwk: JWK; pem: string };
  let ed25519: { jwk: JWK; pem: string };
  let clock: FakeClock;

  beforeAll(async () => {
    [rsa, p256, p384, ed25519] = await Promise.all([
      privateKeyOf('RS256'),
      privateKeyOf('ES256'),
      privateKeyOf('ES384'),
      privateKeyOf('EdDSA'),
    ]);
  });

  beforeEach(() => {
    clock = new FakeClock(T0);
  });

  afterEach(() => jest.restoreAllMocks());

  describe('algorithm inference', () => {
    it.each([
      ['RSA', 'RS256', () => rsa],
      ['EC P-256', 'ES256', () => p256],
      ['EC P-384', 'ES384', () => p384],
      ['Ed25519', 'EdDSA', () => ed25519],
    ] as const)('signs with an %s key as %s, given as PEM or as JWK', async (_kind, alg, key) => {
      for (const privateKey of [key().pem, key().jwk]) {
        const set = await createSet([{ privateKey }], clock);
        expect(set.signingKey().alg).toBe(alg);
        expect(set.algorithms).toEqual([alg]);
        expect(set.publicJwks().keys[0]?.alg).toBe(alg);
        const token = await signAt(set, clock, T0);
        expect(decodeProtectedHeader(token).alg).toBe(alg);
        await expect(verifyWith(token, createLocalJWKSet(fetched(set.publicJwks())), T0)).resolves.toBeDefined();
      }
    });

    it('signs with PS256 when an RSA key is configured for it', async () => {
      const set = await createSet([{ privateKey: rsa.pem, alg: 'PS256' }], clock);
      const token = await signAt(set, clock, T0);
      expect(decodeProtectedHeader(token).alg).toBe('PS256');
      expect(set.publicJwks().keys[0]?.alg).toBe('PS256');
      await expect(verifyWith(token, set.verificationKey(), T0)).resolves.toBeDefined();
    });

    it('lists every configured algorithm once', async () => {
      const set = await createSet(
        [{ privateKey: p256.jwk }, { privateKey: rsa.pem }, { privateKey: p256.pem, kid: 'again' }],
        clock,
      );
      expect(set.algorithms).toEqual(['ES256', 'RS256']);
    });
  });

  describe('kid', () => {
    it('defaults to the RFC 7638 thumbprint of the public key', async () => {
      const set = await createSet([{ privateKey: ed25519.pem }], clock);
      const { d: _d, ...publicJwk } = ed25519.jwk;
      const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
      expect(set.signingKey().kid).toBe(thumbprint);
      expect(set.publicJwks().keys[0]?.kid).toBe(thumbprint);
      expect(decodeProtectedHeader(await signAt(set, clock, T0)).kid).toBe(thumbprint);
    });

    it("takes the JWK's kid, and the kid option over both", async () => {
      const set = await createSet(
        [
          { privateKey: { ...p256.jwk, kid: 'from-jwk' } },
          { privateKey: { ...rsa.jwk, kid: 'ignored' }, kid: 'option' },
        ],
        clock,
      );
      expect(set.publicJwks().keys.map((k) => k.kid)).toEqual(['from-jwk', 'option']);
    });

    it("refuses an explicit kid equal to another key's thumbprint, in either order", async () => {
      const { d: _d, ...publicJwk } = p256.jwk;
      const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
      const defaultSecond = await configurationError(
        createSet([{ privateKey: rsa.pem, kid: thumbprint }, { privateKey: p256.pem }], clock),
      );
      expect(defaultSecond.problems).toEqual([
        'signingKeys[1].privateKey: its thumbprint (its default kid) is already the kid of signingKeys[0]',
      ]);
      const explicitSecond = await configurationError(
        createSet([{ privateKey: p256.pem }, { privateKey: rsa.pem, kid: thumbprint }], clock),
      );
      expect(explicitSecond.problems).toEqual([
        `signingKeys[1].kid: "${thumbprint}" is already the kid of signingKeys[0]`,
      ]);
    });
  });

  describe('bootstrap checks', () => {
    it('reports invalid options with their paths', async () => {
      const { d: _d, ...publicJwk } = p256.jwk;
      const error = await configurationError(
        createSet(
          [{ privateKey: rsa.pem }, { privateKey: publicJwk }, { privateKey: { kty: 'oct', k: 'c2VjcmV0' } }],
          clock,
        ),
      );
      expect(error.problems).toEqual([
        'signingKeys[1].privateKey: must be a private key (the JWK has no "d": it is a public key)',
        'signingKeys[2].privateKey: must be an asymmetric private key; symmetric (oct) keys never sign access tokens (no HS*, security catalog AS-01)',
      ]);
      expect(error.message).toContain('signingKeys[1].privateKey: must be a private key');
    });

    it('uses the given option path', async () => {
      const error = await configurationError(
        SigningKeySet.create([{ privateKey: 'x' }], {
          production: true,
          clock,
          maxTokenLifetimeSeconds: MAX_LIFETIME,
          path: 'server.signingKeys',
        }),
      );
      expect(error.problems[0]).toMatch(/^server\.signingKeys\[0\]\.privateKey: /);
    });

    it('refuses an EC JWK whose public point belongs to another key', async () => {
      const other = await privateKeyOf('ES256');
      const mixed = { ...p256.jwk, x: other.jwk.x, y: other.jwk.y };
      const error = await configurationError(createSet([{ privateKey: mixed }], clock));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^signingKeys\[0\]\.privateKey: cannot be imported for ES256 \(/);
    });

    it('refuses an RSA JWK whose modulus belongs to another key (pairwise check)', async () => {
      const other = await privateKeyOf('RS256');
      const mixed = { ...rsa.jwk, n: other.jwk.n };
      const error = await configurationError(createSet([{ privateKey: rsa.pem }, { privateKey: mixed }], clock));
      expect(error.problems).toEqual([
        'signingKeys[1].privateKey: its public members do not belong to its private key',
      ]);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
      'refuses maxTokenLifetimeSeconds = %p',
      async (maxTokenLifetimeSeconds) => {
        await expect(
          SigningKeySet.create([{ privateKey: p256.jwk }], { production: false, clock, maxTokenLifetimeSeconds }),
        ).rejects.toThrow(new TypeError('SigningKeySet: maxTokenLifetimeSeconds must be a positive integer'));
      },
    );

    it.each([
      ['every key is not yet active', [{ activateAt: T0 + 1 }, { activateAt: T0 + 100 }]],
      ['every key is retired', [{ retireAt: T0 }, { activateAt: T0 - 100, retireAt: T0 - 1 }]],
    ])('refuses to start when no key signs now (%s)', async (_name, schedule) => {
      const keys = [
        { privateKey: p256.jwk, ...schedule[0] },
        { privateKey: rsa.pem, ...schedule[1] },
      ];
      const error = await configurationError(createSet(keys, clock));
      expect(error.problems).toEqual(['signingKeys: no key signs now (every key is retired or not yet active)']);
    });

    it('warns about a future moment when no key signs, and then refuses to sign', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const set = await createSet(
        [
          { privateKey: p256.jwk, retireAt: T0 + 100 },
          { privateKey: rsa.pem, activateAt: T0 + 200 },
        ],
        clock,
      );
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toBe(
        `signingKeys: no key signs from ${new Date((T0 + 100) * 1000).toISOString()} (every key is retired or not yet active then); access tokens cannot be issued from that moment. Add a key that activates by then.`,
      );
      clock.set(T0 + 99);
      expect(set.signingKey().alg).toBe('ES256');
      clock.set(T0 + 100);
      expect(() => set.signingKey()).toThrow(NoActiveSigningKeyError);
      expect(() => set.signingKey()).toThrow(expect.objectContaining({ code: 'ERR_MCP_AUTH_NO_SIGNING_KEY' }));
      clock.set(T0 + 200);
      expect(set.signingKey().alg).toBe('RS256');
    });

    it('does not warn about a schedule without gaps', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      await createSet(
        [
          { privateKey: p256.jwk, retireAt: T0 + 100 },
          { privateKey: rsa.pem, activateAt: T0 + 100 },
        ],
        clock,
      );
      expect(warn).not.toHaveBeenCalled();
    });
  });

  describe('signingKey()', () => {
    it('is the active key activated most recently', async () => {
      const set = await createSet(
        [
          { privateKey: p256.jwk, kid: 'old', activateAt: T0 - 1000 },
          { privateKey: rsa.pem, kid: 'newest', activateAt: T0 - 10 },
          { privateKey: p384.jwk, kid: 'retired', activateAt: T0 - 5, retireAt: T0 },
          { privateKey: ed25519.jwk, kid: 'future', activateAt: T0 + 10 },
          { privateKey: ed25519.pem, kid: 'unscheduled' },
        ],
        clock,
      );
      expect(set.signingKey().kid).toBe('newest');
      clock.set(T0 + 10);
      expect(set.signingKey().kid).toBe('future');
    });

    it('is the first listed among keys activated at the same time, and keys without activateAt come last', async () => {
      const unscheduled = await createSet(
        [
          { privateKey: p256.jwk, kid: 'a' },
          { privateKey: rsa.pem, kid: 'b' },
        ],
        clock,
      );
      expect(unscheduled.signingKey().kid).toBe('a');
      const tied = await createSet(
        [
          { privateKey: p256.jwk, kid: 'a' },
          { privateKey: rsa.pem, kid: 'b', activateAt: T0 - 1 },
          { privateKey: p384.pem, kid: 'c', activateAt: T0 - 1 },
        ],
        clock,
      );
      expect(tied.signingKey().kid).toBe('b');
    });

    it('holds the private key as a non-extractable CryptoKey', async () => {
      const set = await createSet([{ privateKey: p256.pem }], clock);
      const { key } = set.signingKey();
      expect(key.extractable).toBe(false);
      expect(key.type).toBe('private');
      await expect(exportJWK(key)).rejects.toThrow('non-extractable CryptoKey cannot be exported');
    });
  });

  describe('without configured keys', () => {
    it('generates an ephemeral ES256 key in development, with a loud warning', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const set = await createSet(undefined, clock);
      expect(set.ephemeral).toBe(true);
      const { kid, alg } = set.signingKey();
      expect(alg).toBe('ES256');
      expect(warn).toHaveBeenCalledTimes(1);
      const message = String(warn.mock.calls[0]?.[0]);
      expect(message).toContain('EPHEMERAL ES256 key');
      expect(message).toContain(`kid ${kid}`);
      expect(message).toContain('invalid when this process restarts');
      expect(message).toContain('before production');
      const token = await signAt(set, clock, T0);
      await expect(verifyWith(token, createLocalJWKSet(fetched(set.publicJwks())), T0)).resolves.toBeDefined();
    });

    it('loses its tokens on restart: a new ephemeral key cannot verify them (the reason production refuses it)', async () => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const before = await createSet(undefined, clock);
      const token = await signAt(before, clock, T0);
      const after = await createSet(undefined, clock);
      expect(after.signingKey().kid).not.toBe(before.signingKey().kid);
      await expect(verifyWith(token, after.verificationKey(), T0)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    });

    it('refuses to start in production (F-21, AS-02), without generating a key', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const error = await configurationError(createSet(undefined, clock, true));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(
        /^signingKeys: required in production: configure at least one private signing key/,
      );
      expect(error.problems[0]).toContain('AS-02');
      expect(warn).not.toHaveBeenCalled();
    });

    it('uses configured keys silently, in production too', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const set = await createSet([{ privateKey: p256.pem }], clock, true);
      expect(set.ephemeral).toBe(false);
      expect(warn).not.toHaveBeenCalled();
    });
  });

  describe('publicJwks() (M-10)', () => {
    const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

    it('publishes only public members, kid, alg and use "sig", whatever the configured JWK holds', async () => {
      const set = await createSet(
        [
          { privateKey: { ...rsa.jwk, kid: 'rsa', ext: true, key_ops: ['sign'], use: 'sig', x5c: ['AAAA'] } as JWK },
          { privateKey: p256.pem, kid: 'p256' },
          { privateKey: { ...p384.jwk, alg: 'ES384' }, kid: 'p384' },
          { privateKey: ed25519.jwk, kid: 'ed25519', activateAt: T0 + 60 },
        ],
        clock,
      );
      const jwks = set.publicJwks();
      expect(jwks.keys.map((key) => Object.keys(key).sort())).toEqual([
        ['alg', 'e', 'kid', 'kty', 'n', 'use'],
        ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
        ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
        ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
      ]);
      expect(jwks.keys).toEqual([
        { kty: 'RSA', n: rsa.jwk.n, e: rsa.jwk.e, kid: 'rsa', alg: 'RS256', use: 'sig' },
        { kty: 'EC', crv: 'P-256', x: p256.jwk.x, y: p256.jwk.y, kid: 'p256', alg: 'ES256', use: 'sig' },
        { kty: 'EC', crv: 'P-384', x: p384.jwk.x, y: p384.jwk.y, kid: 'p384', alg: 'ES384', use: 'sig' },
        { kty: 'OKP', crv: 'Ed25519', x: ed25519.jwk.x, kid: 'ed25519', alg: 'EdDSA', use: 'sig' },
      ]);
      const json = fetched(jwks);
      for (const key of json.keys) {
        for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
      }
      expect(new Set(json.keys.map((key) => key.kid)).size).toBe(json.keys.length);
      const modulusBits = Buffer.from(json.keys[0]!.n!, 'base64url').length * 8;
      expect(modulusBits).toBeGreaterThanOrEqual(2048);
    });

    it('returns a new document every time', async () => {
      const set = await createSet([{ privateKey: p256.pem, kid: 'k1' }], clock);
      const first = set.publicJwks();
      (first.keys[0] as { kid: string }).kid = 'tampered';
      first.keys.push(first.keys[0]!);
      expect(set.publicJwks()).toEqual({ keys: [expect.objectContaining({ kid: 'k1' })] });
    });
  });

  describe('restart with the same configuration (AS-02)', () => {
    it.each([
      ['PEM keys without kid', () => [{ privateKey: rsa.pem }, { privateKey: ed25519.pem, activateAt: T0 - 1 }]],
      ['JWKs without kid', () => [{ privateKey: p256.jwk }, { privateKey: p384.jwk, activateAt: T0 - 1 }]],
      [
        'keys with kids',
        () => [
          { privateKey: p256.pem, kid: 'a' },
          { privateKey: rsa.jwk, kid: 'b', alg: 'PS256' as const },
        ],
      ],
    ])('verifies tokens across two instances built from %s', async (_name, config) => {
      const first = await createSet(config(), clock);
      const second = await createSet(config(), new FakeClock(T0));
      expect(second.publicJwks()).toEqual(first.publicJwks());
      const fromFirst = await signAt(first, clock, T0);
      const fromSecond = await signAt(second, clock, T0);
      await expect(verifyWith(fromFirst, second.verificationKey(), T0)).resolves.toBeDefined();
      await expect(verifyWith(fromSecond, first.verificationKey(), T0)).resolves.toBeDefined();
      await expect(verifyWith(fromFirst, createLocalJWKSet(fetched(second.publicJwks())), T0)).resolves.toBeDefined();
    });
  });

  describe('verificationKey()', () => {
    it('is one resolver that verifies the tokens of the set and no others', async () => {
      const set = await createSet([{ privateKey: p256.pem }], clock);
      expect(set.verificationKey()).toBe(set.verificationKey());
      await expect(verifyWith(await signAt(set, clock, T0), set.verificationKey(), T0)).resolves.toBeDefined();
      const stranger = await createSet([{ privateKey: p384.pem }], clock);
      await expect(verifyWith(await signAt(stranger, clock, T0), set.verificationKey(), T0)).rejects.toBeInstanceOf(
        errors.JWKSNoMatchingKey,
      );
    });

    it('refuses a token whose kid names a published key but whose alg differs from it', async () => {
      const set = await createSet([{ privateKey: rsa.pem, kid: 'rsa' }], clock);
      const ps256 = await createSet([{ privateKey: rsa.pem, kid: 'rsa', alg: 'PS256' }], clock);
      const token = await signAt(ps256, clock, T0);
      await expect(verifyWith(token, set.verificationKey(), T0)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    });

    it('follows the published set when the clock moves, in both directions', async () => {
      const set = await createSet(
        [
          { privateKey: p256.pem, kid: 'old', retireAt: T0 + 10 },
          { privateKey: rsa.pem, kid: 'new', activateAt: T0 + 10 },
        ],
        clock,
      );
      const key = set.verificationKey();
      const oldToken = await signAt(set, clock, T0);
      const gone = T0 + 10 + MAX_LIFETIME;
      // Large tolerance: only the key's presence decides here, not the token's expiry.
      const verifyAt = (seconds: number) => {
        clock.set(seconds);
        return jwtVerify(oldToken, key, { currentDate: new Date(seconds * 1000), clockTolerance: 10 * MAX_LIFETIME });
      };
      await expect(verifyAt(gone - 1)).resolves.toBeDefined();
      await expect(verifyAt(gone)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      await expect(verifyAt(gone - 1)).resolves.toBeDefined();
      expect(set.publicJwks().keys.map((k) => k.kid)).toEqual(['old', 'new']);
      await expect(verifyAt(gone + 1)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      expect(set.publicJwks().keys.map((k) => k.kid)).toEqual(['new']);
    });
  });
});

import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import type { McpAuthClock } from '../core/clock.js';
import { AccessTokenSigner, type AccessTokenClaims } from './access-token-signer.js';
import { newJti } from './jti.util.js';
import { NoActiveSigningKeyError } from './keys.errors.js';
import { SigningKeySet } from './signing-key-set.js';

class FakeClock implements McpAuthClock {
  private ms: number;
  constructor(seconds: number) {
    this.ms = seconds * 1000;
  }
  now(): number {
    return this.ms;
  }
  set(seconds: number): void {
    this.ms = Math.round(seconds * 1000);
  }
}

const T0 = 1_800_000_000;
const MAX_LIFETIME = 3600;
const ISSUER = 'https://as.example.com';
const RESOURCE = 'https://mcp.example.com/mcp';
/** Security catalog AS-01: the algorithms a minted token may carry. */
const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'client_id', 'scope', 'exp', 'iat', 'jti'] as const;

function claimsAt(seconds: number, extra: Partial<AccessTokenClaims> = {}): AccessTokenClaims {
  return {
    iss: ISSUER,
    aud: RESOURCE,
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'mcp:read mcp:write',
    iat: seconds,
    exp: seconds + 900,
    jti: newJti(),
    ...extra,
  };
}

describe('AccessTokenSigner', () => {
  const clock = new FakeClock(T0);
  const sets = new Map<string, SigningKeySet>();

  beforeAll(async () => {
    for (const [name, alg, option] of [
      ['RS256', 'RS256', undefined],
      ['PS256', 'RS256', 'PS256'],
      ['ES256', 'ES256', undefined],
      ['ES384', 'ES384', undefined],
      ['EdDSA', 'EdDSA', undefined],
    ] as const) {
      const privateKey = await exportPKCS8((await generateKeyPair(alg, { extractable: true })).privateKey);
      const set = await SigningKeySet.create([{ privateKey, alg: option }], {
        production: true,
        clock,
        maxTokenLifetimeSeconds: MAX_LIFETIME,
      });
      sets.set(name, set);
    }
  });

  beforeEach(() => clock.set(T0));

  describe('tokens it mints (AS-01)', () => {
    it.each(['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'])(
      'are RFC 9068 JWTs with an allowlisted alg, kid and typ at+jwt, and every required claim (%s)',
      async (name) => {
        const set = sets.get(name)!;
        const claims = claimsAt(T0, { gid: 'grant-1' });
        const token = await new AccessTokenSigner(set).sign(claims);

        const header = decodeProtectedHeader(token);
        expect(header).toEqual({ alg: name, kid: set.signingKey().kid, typ: 'at+jwt' });
        expect(ALLOWED_ALGORITHMS).toContain(header.alg);
        expect(header.alg).not.toMatch(/^HS/);
        expect(typeof header.kid).toBe('string');

        const payload = decodeJwt(token);
        for (const claim of REQUIRED_CLAIMS) expect(payload).toHaveProperty(claim, claims[claim]);
        expect(payload.gid).toBe('grant-1');

        const { payload: verified, protectedHeader } = await jwtVerify(
          token,
          createLocalJWKSet(JSON.parse(JSON.stringify(set.publicJwks()))),
          {
            issuer: ISSUER,
            audience: RESOURCE,
            algorithms: ALLOWED_ALGORITHMS,
            typ: 'at+jwt',
            requiredClaims: [...REQUIRED_CLAIMS],
            currentDate: new Date(T0 * 1000),
          },
        );
        expect(verified).toEqual(claims);
        expect(protectedHeader.typ).toBe('at+jwt');
      },
    );

    it('accepts an audience list and an empty scope', async () => {
      const set = sets.get('ES256')!;
      const token = await new AccessTokenSigner(set).sign(
        claimsAt(T0, { aud: [RESOURCE, 'https://b.example'], scope: '' }),
      );
      expect(decodeJwt(token)).toMatchObject({ aud: [RESOURCE, 'https://b.example'], scope: '' });
    });

    it('signs with the key that signs at the moment of signing', async () => {
      clock.set(T0);
      const privateKeys = await Promise.all(
        ['ES256', 'ES256'].map(async (alg) =>
          exportPKCS8((await generateKeyPair(alg, { extractable: true })).privateKey),
        ),
      );
      const set = await SigningKeySet.create(
        [
          { privateKey: privateKeys[0]!, kid: 'a', retireAt: T0 + 60 },
          { privateKey: privateKeys[1]!, kid: 'b', activateAt: T0 + 60 },
        ],
        { production: true, clock, maxTokenLifetimeSeconds: MAX_LIFETIME },
      );
      const signer = new AccessTokenSigner(set);
      expect(decodeProtectedHeader(await signer.sign(claimsAt(T0))).kid).toBe('a');
      clock.set(T0 + 60);
      expect(decodeProtectedHeader(await signer.sign(claimsAt(T0 + 60))).kid).toBe('b');
      clock.set(T0 + 61);
      await expect(signer.sign(claimsAt(T0 + 61))).resolves.toEqual(expect.any(String));
    });
  });

  describe('refuses to sign', () => {
    const sign = (claims: unknown) => new AccessTokenSigner(sets.get('ES256')!).sign(claims as AccessTokenClaims);
    const without = (claim: string) => {
      const { [claim]: _omitted, ...rest } = claimsAt(T0) as unknown as Record<string, unknown>;
      return rest;
    };

    it.each([
      ['exp', 'an integer number of seconds since the epoch'],
      ['sub', 'a non-empty string'],
      ['aud', 'a non-empty string or array of non-empty strings'],
      ['iss', 'a non-empty string'],
      ['client_id', 'a non-empty string'],
      ['jti', 'a non-empty string'],
      ['iat', 'an integer number of seconds since the epoch'],
      ['scope', 'a string of space-separated scopes'],
    ])('without %s', async (claim, what) => {
      await expect(sign(without(claim))).rejects.toThrow(
        new TypeError(`AccessTokenSigner.sign: claim "${claim}" is required (${what})`),
      );
    });

    it.each([
      ['sub', ''],
      ['sub', 42],
      ['aud', ''],
      ['aud', []],
      ['aud', [RESOURCE, 7]],
      ['aud', ['']],
      ['client_id', null],
      ['jti', ''],
      ['scope', ['mcp:read']],
      ['exp', T0 + 0.5],
      ['exp', String(T0 + 60)],
      ['iat', 1.5],
    ])('with %s = %p', async (claim, value) => {
      await expect(sign({ ...claimsAt(T0), [claim]: value })).rejects.toThrow(
        new RegExp(`^AccessTokenSigner\\.sign: claim "${claim}" is required`),
      );
    });

    it.each([
      ['in the past', T0 - 1],
      ['now', T0],
    ])('with an exp %s', async (_name, exp) => {
      await expect(sign(claimsAt(T0, { exp, iat: T0 - 10 }))).rejects.toThrow(
        new TypeError('AccessTokenSigner.sign: claim "exp" must be in the future'),
      );
    });

    it('with an exp further than maxTokenLifetimeSeconds away, and accepts exactly that far', async () => {
      await expect(sign(claimsAt(T0, { exp: T0 + MAX_LIFETIME + 1 }))).rejects.toThrow(
        new TypeError(
          `AccessTokenSigner.sign: claim "exp" must be at most maxTokenLifetimeSeconds (${MAX_LIFETIME}) from now, or the token would outlive its key in the JWKS`,
        ),
      );
      await expect(sign(claimsAt(T0, { exp: T0 + MAX_LIFETIME }))).resolves.toEqual(expect.any(String));
    });

    it('with iat after exp', async () => {
      await expect(sign(claimsAt(T0, { iat: T0 + 901 }))).rejects.toThrow(
        new TypeError('AccessTokenSigner.sign: claim "iat" must not be after "exp"'),
      );
    });

    it.each([null, 'claims', [claimsAt(T0)]])('claims that are no object (%p)', async (claims) => {
      await expect(sign(claims)).rejects.toThrow(new TypeError('AccessTokenSigner.sign: claims must be an object'));
    });

    it('when no key signs now', async () => {
      const privateKey = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
      const set = await SigningKeySet.create([{ privateKey, retireAt: T0 + 10 }], {
        production: true,
        clock,
        maxTokenLifetimeSeconds: MAX_LIFETIME,
      });
      clock.set(T0 + 10);
      await expect(new AccessTokenSigner(set).sign(claimsAt(T0 + 10))).rejects.toBeInstanceOf(NoActiveSigningKeyError);
    });
  });
});

describe('newJti (AS-04)', () => {
  it('gives 1000 distinct ids of at least 128 random bits, base64url-encoded', () => {
    const ids = Array.from({ length: 1000 }, () => newJti());
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(id, 'base64url').length).toBeGreaterThanOrEqual(16);
    }
  });

  it('draws on the whole base64url alphabet, with no fixed prefix', () => {
    const ids = Array.from({ length: 1000 }, () => newJti());
    const first = new Set(ids.map((id) => id.slice(0, 4)));
    expect(first.size).toBeGreaterThan(990);
    // 1000 × 22 characters: each of the 64 symbols appears (expected ~340 times each).
    expect(new Set(ids.join('')).size).toBe(64);
  });
});

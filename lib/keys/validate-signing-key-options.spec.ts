import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import type { SigningKeyOptions } from './signing-key-options.js';
import { inspectSigningKeys, validateSigningKeyOptions } from './validate-signing-key-options.js';

function problemsOf(keys: unknown): string[] {
  const problems: string[] = [];
  validateSigningKeyOptions('signingKeys', keys as SigningKeyOptions[], problems);
  return problems;
}

/** Problems of a one-key list holding `entry`. */
const problemsOfKey = (entry: unknown) => problemsOf([entry]);

const jwkOf = (key: KeyObject): JWK => key.export({ format: 'jwk' }) as JWK;
const pkcs8Of = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;

interface Fixture {
  jwk: JWK;
  pem: string;
}

async function fixture(alg: 'RS256' | 'ES256' | 'ES384' | 'EdDSA'): Promise<Fixture> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { jwk: await exportJWK(privateKey), pem: await exportPKCS8(privateKey) };
}

describe('validateSigningKeyOptions', () => {
  let rsa: Fixture;
  let p256: Fixture;
  let p384: Fixture;
  let ed25519: Fixture;

  beforeAll(async () => {
    [rsa, p256, p384, ed25519] = await Promise.all([
      fixture('RS256'),
      fixture('ES256'),
      fixture('ES384'),
      fixture('EdDSA'),
    ]);
  });

  describe('accepts', () => {
    it('no keys at all (the mode decides whether that is allowed)', () => {
      expect(problemsOf(undefined)).toEqual([]);
    });

    it.each(['rsa', 'p256', 'p384', 'ed25519'] as const)('a %s key as a private JWK and as a PKCS#8 PEM', (name) => {
      const key = { rsa, p256, p384, ed25519 }[name];
      expect(problemsOf([{ privateKey: key.jwk }, { privateKey: key.pem, kid: 'pem' }])).toEqual([]);
    });

    it('a PEM with surrounding whitespace', () => {
      expect(problemsOfKey({ privateKey: `\n  ${p256.pem}\n` })).toEqual([]);
    });

    it('every option, and JWK members that agree with them', () => {
      expect(
        problemsOf([
          { privateKey: rsa.pem, kid: 'rsa-2026', alg: 'PS256', activateAt: 0, retireAt: 1_800_000_000 },
          { privateKey: { ...p256.jwk, kid: 'ec', alg: 'ES256', use: 'sig', key_ops: ['sign', 'verify'] } },
          { privateKey: { ...ed25519.jwk, alg: 'EdDSA' }, alg: 'EdDSA', activateAt: 1_800_000_000 },
        ]),
      ).toEqual([]);
    });

    it('the same key twice under distinct kids', () => {
      expect(
        problemsOf([
          { privateKey: rsa.jwk, kid: 'as-rs256' },
          { privateKey: rsa.pem, kid: 'as-ps256', alg: 'PS256' },
        ]),
      ).toEqual([]);
    });
  });

  describe('the list', () => {
    it.each([
      ['an object', { privateKey: 'x' }],
      ['a string', 'key'],
    ])('must be an array (%s)', (_name, keys) => {
      expect(problemsOf(keys)).toEqual(['signingKeys: must be an array of signing keys']);
    });

    it('must not be empty', () => {
      expect(problemsOf([])).toEqual([
        'signingKeys: must list at least one signing key (leave it out for an ephemeral development key)',
      ]);
    });

    it('reports each entry that is not an object, by index', () => {
      expect(problemsOf([{ privateKey: p256.jwk }, null, 'pem'])).toEqual([
        'signingKeys[1]: must be an object',
        'signingKeys[2]: must be an object',
      ]);
    });

    it('reports problems of several entries at once, each with its path', () => {
      expect(
        problemsOf([{ privateKey: rsa.jwk, alg: 'ES256' }, { privateKey: p256.jwk }, { privateKey: 'nope', kid: '' }]),
      ).toEqual([
        'signingKeys[0].alg: ES256 cannot sign with an RSA key (use RS256 or PS256)',
        'signingKeys[2].kid: must be 1-128 printable ASCII characters without spaces',
        'signingKeys[2].privateKey: must be a private JWK object or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY-----)',
      ]);
    });
  });

  describe('options of a key', () => {
    it('requires privateKey', () => {
      expect(problemsOfKey({ kid: 'k1' })).toEqual([
        'signingKeys[0].privateKey: is required: a private JWK object or a PKCS#8 PEM string',
      ]);
    });

    it('reports unknown options (typos)', () => {
      expect(problemsOfKey({ privateKey: p256.jwk, activeFrom: 1 })).toEqual([
        'signingKeys[0].activeFrom: unknown option',
      ]);
    });

    it.each([
      ['empty', ''],
      ['with a space', 'key 1'],
      ['too long', 'k'.repeat(129)],
      ['non-ASCII', 'clé'],
    ])('refuses a kid that is %s', (_name, kid) => {
      expect(problemsOfKey({ privateKey: p256.jwk, kid })).toEqual([
        'signingKeys[0].kid: must be 1-128 printable ASCII characters without spaces',
      ]);
    });

    it.each(['HS256', 'none', 'RS384', 'ES512', 'Ed25519', 'es256'])('refuses alg %s (allowlist, AS-01)', (alg) => {
      expect(problemsOfKey({ privateKey: p256.jwk, alg })).toEqual([
        'signingKeys[0].alg: must be one of the following values: RS256, PS256, ES256, ES384, EdDSA',
      ]);
    });

    it.each([
      ['activateAt', 1.5, 'must be a non-negative integer number of seconds since the epoch'],
      ['activateAt', -1, 'must be a non-negative integer number of seconds since the epoch'],
      ['retireAt', '1800000000', 'must be a non-negative integer number of seconds since the epoch'],
      ['activateAt', 1_800_000_000_000, 'must be in seconds since the epoch (this looks like milliseconds)'],
      ['retireAt', 1_800_000_000_000, 'must be in seconds since the epoch (this looks like milliseconds)'],
    ])('refuses %s = %p', (option, value, message) => {
      expect(problemsOfKey({ privateKey: p256.jwk, [option]: value })).toEqual([
        `signingKeys[0].${option}: ${message}`,
      ]);
    });

    it.each([
      [1_800_000_000, 1_800_000_000],
      [1_800_000_001, 1_800_000_000],
    ])('requires retireAt after activateAt (activateAt %i, retireAt %i)', (activateAt, retireAt) => {
      expect(problemsOfKey({ privateKey: p256.jwk, activateAt, retireAt })).toEqual([
        'signingKeys[0].retireAt: must be after activateAt',
      ]);
    });
  });

  describe('key material', () => {
    const at = 'signingKeys[0].privateKey';

    it.each([
      ['RSA', () => rsa.jwk],
      ['EC', () => p256.jwk],
      ['OKP', () => ed25519.jwk],
    ])('refuses a public %s JWK', (_kty, jwk) => {
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk();
      expect(problemsOfKey({ privateKey: publicJwk })).toEqual([
        `${at}: must be a private key (the JWK has no "d": it is a public key)`,
      ]);
    });

    it.each([
      ['SPKI', (k: KeyObject) => k.export({ type: 'spki', format: 'pem' })],
      ['PKCS#1 public', (k: KeyObject) => k.export({ type: 'pkcs1', format: 'pem' })],
    ])('refuses a %s PEM', (_name, exportPublic) => {
      const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
      expect(problemsOfKey({ privateKey: exportPublic(publicKey) })).toEqual([
        `${at}: must be a private key (this PEM holds a public key or certificate)`,
      ]);
    });

    it('refuses a symmetric JWK (never HS*, AS-01)', () => {
      expect(
        problemsOfKey({ privateKey: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' } }),
      ).toEqual([
        `${at}: must be an asymmetric private key; symmetric (oct) keys never sign access tokens (no HS*, security catalog AS-01)`,
      ]);
    });

    it.each([1024, 2047])('refuses an RSA key of %i bits, as JWK and as PEM', (modulusLength) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength });
      const message = `RSA keys must be at least 2048 bits (this one has ${modulusLength})`;
      expect(problemsOf([{ privateKey: jwkOf(privateKey) }, { privateKey: pkcs8Of(privateKey) }])).toEqual([
        `signingKeys[0].privateKey: ${message}`,
        `signingKeys[1].privateKey: ${message}`,
      ]);
    });

    it.each([
      ['P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey, 'unsupported EC curve secp521r1'],
      [
        'secp256k1',
        () => generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey,
        'unsupported EC curve secp256k1',
      ],
      ['Ed448', () => generateKeyPairSync('ed448').privateKey, 'unsupported key type ed448'],
      ['X25519', () => generateKeyPairSync('x25519').privateKey, 'unsupported key type x25519'],
    ])('refuses a %s key', (_name, generate, message) => {
      const problems = problemsOfKey({ privateKey: pkcs8Of(generate()) });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${at.replace(/[[\].]/g, '\\$&')}: ${message} \\(use `));
    });

    it('refuses an RSA-PSS-restricted key', () => {
      const { privateKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
      expect(problemsOfKey({ privateKey: pkcs8Of(privateKey) })).toEqual([
        `${at}: RSA-PSS-restricted keys are not supported; use a plain RSA key (alg PS256 signs with PSS)`,
      ]);
    });

    it.each([
      ['PKCS#1 RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs1'],
      ['SEC1 EC', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'sec1'],
    ] as const)('refuses a %s PEM with a conversion hint', (_name, generate, type) => {
      expect(problemsOfKey({ privateKey: generate().export({ type, format: 'pem' }) })).toEqual([
        `${at}: must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in <file> -out <new file>`,
      ]);
    });

    it('refuses an encrypted PKCS#8 PEM', () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const encrypted = privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'correct horse',
      });
      expect(problemsOfKey({ privateKey: encrypted })).toEqual([
        `${at}: must be an unencrypted PKCS#8 PEM (decrypt it with: openssl pkcs8 -in <file> -out <new file>)`,
      ]);
    });

    it('refuses a damaged PKCS#8 PEM', () => {
      const damaged = p256.pem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
      const problems = problemsOfKey({ privateKey: damaged });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^signingKeys\[0\]\.privateKey: is not a readable PKCS#8 private key \(/);
    });

    it('refuses a JWK given as a JSON string, with a hint', () => {
      expect(problemsOfKey({ privateKey: JSON.stringify(p256.jwk) })).toEqual([
        `${at}: must be a JWK object, not a JSON string (parse it first), or a PKCS#8 PEM string`,
      ]);
    });

    it.each([
      ['a number', 42],
      ['an array', [{}]],
      ['null', null],
    ])('refuses %s', (_name, privateKey) => {
      const problems = problemsOfKey({ privateKey });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^signingKeys\[0\]\.privateKey: (must be a private JWK object|is required)/);
    });

    it('refuses a string that is no PEM, and an object that is no JWK', () => {
      expect(problemsOf([{ privateKey: 'secret' }, { privateKey: { key: p256.pem } }])).toEqual([
        'signingKeys[0].privateKey: must be a private JWK object or a PKCS#8 PEM string (-----BEGIN PRIVATE KEY-----)',
        'signingKeys[1].privateKey: must be a private JWK object (with "kty") or a PKCS#8 PEM string',
      ]);
    });

    it('refuses an unknown kty', () => {
      expect(problemsOfKey({ privateKey: { ...p256.jwk, kty: 'AKP' } })).toEqual([
        `${at}.kty: unsupported key type "AKP" (use RSA (at least 2048 bits), EC P-256, EC P-384 or Ed25519)`,
      ]);
    });

    it('refuses an RSA JWK missing private members', () => {
      const { qi: _qi, ...incomplete } = rsa.jwk;
      const problems = problemsOfKey({ privateKey: incomplete });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^signingKeys\[0\]\.privateKey: is not a valid private JWK \(.*qi/);
    });

    it.each([
      [{ use: 'enc' }, `${at}.use: must be "sig"`],
      [{ key_ops: ['verify'] }, `${at}.key_ops: must include "sign"`],
      [{ key_ops: 'sign' }, `${at}.key_ops: must include "sign"`],
      [{ alg: 'HS256' }, `${at}.alg: must be one of RS256, PS256, ES256, ES384, EdDSA`],
      [{ kid: 'has space' }, `${at}.kid: must be 1-128 printable ASCII characters without spaces`],
      [{ kid: 7 }, `${at}.kid: must be 1-128 printable ASCII characters without spaces`],
    ])('checks the JWK member %p', (members, message) => {
      expect(problemsOfKey({ privateKey: { ...p256.jwk, ...members } })).toEqual([message]);
    });
  });

  describe('alg against the key', () => {
    it.each([
      ['rsa', 'ES256', 'ES256 cannot sign with an RSA key (use RS256 or PS256)'],
      ['rsa', 'EdDSA', 'EdDSA cannot sign with an RSA key (use RS256 or PS256)'],
      ['p256', 'ES384', 'ES384 cannot sign with an EC P-256 key (use ES256)'],
      ['p256', 'RS256', 'RS256 cannot sign with an EC P-256 key (use ES256)'],
      ['p384', 'ES256', 'ES256 cannot sign with an EC P-384 key (use ES384)'],
      ['ed25519', 'ES256', 'ES256 cannot sign with an Ed25519 key (use EdDSA)'],
    ] as const)('refuses a %s key with alg %s', (name, alg, message) => {
      const key = { rsa, p256, p384, ed25519 }[name];
      expect(problemsOf([{ privateKey: key.pem, alg }])).toEqual([`signingKeys[0].alg: ${message}`]);
    });

    it("reports an unsuitable alg taken from the JWK at the JWK's member", () => {
      expect(problemsOfKey({ privateKey: { ...p256.jwk, alg: 'ES384' } })).toEqual([
        'signingKeys[0].privateKey.alg: ES384 cannot sign with an EC P-256 key (use ES256)',
      ]);
    });

    it("refuses an alg option that contradicts the JWK's alg", () => {
      expect(problemsOfKey({ privateKey: { ...rsa.jwk, alg: 'RS256' }, alg: 'PS256' })).toEqual([
        `signingKeys[0].alg: PS256 contradicts the JWK's "alg" (RS256)`,
      ]);
    });

    it.each([
      ['rsa', 'RS256'],
      ['p256', 'ES256'],
      ['p384', 'ES384'],
      ['ed25519', 'EdDSA'],
    ] as const)('infers the alg of a %s key as %s', (name, alg) => {
      const key = { rsa, p256, p384, ed25519 }[name];
      const problems: string[] = [];
      const inspected = inspectSigningKeys(
        'signingKeys',
        [{ privateKey: key.pem }, { privateKey: key.jwk, kid: 'j' }],
        problems,
      );
      expect(problems).toEqual([]);
      expect(inspected.map((k) => k.alg)).toEqual([alg, alg]);
    });

    it("takes the JWK's alg when no option is given", () => {
      const problems: string[] = [];
      const [key] = inspectSigningKeys('signingKeys', [{ privateKey: { ...rsa.jwk, alg: 'PS256' } }], problems);
      expect(problems).toEqual([]);
      expect(key?.alg).toBe('PS256');
    });
  });

  describe('unique kids', () => {
    it('refuses the same configured kid twice', () => {
      expect(
        problemsOf([
          { privateKey: rsa.jwk, kid: 'k1' },
          { privateKey: p256.jwk, kid: 'k2' },
          { privateKey: p384.jwk, kid: 'k1' },
        ]),
      ).toEqual(['signingKeys[2].kid: "k1" is already the kid of signingKeys[0]']);
    });

    it("compares the JWK's own kid too, and reports it at the JWK's member", () => {
      expect(problemsOf([{ privateKey: rsa.pem, kid: 'k1' }, { privateKey: { ...p256.jwk, kid: 'k1' } }])).toEqual([
        'signingKeys[1].privateKey.kid: "k1" is already the kid of signingKeys[0]',
      ]);
    });

    it('uses the kid option over the JWK kid', () => {
      expect(
        problemsOf([
          { privateKey: { ...rsa.jwk, kid: 'same' } },
          { privateKey: { ...p256.jwk, kid: 'same' }, kid: 'other' },
        ]),
      ).toEqual([]);
    });

    it('refuses the same key twice without a kid (their thumbprints, the default kids, would collide)', () => {
      expect(problemsOf([{ privateKey: p256.jwk }, { privateKey: ed25519.pem }, { privateKey: p256.pem }])).toEqual([
        'signingKeys[2].privateKey: is the same key as signingKeys[0], so both would get the same kid (its thumbprint); list it once or give each a kid',
      ]);
    });
  });

  it('keeps a PEM key and its JWK export equivalent', () => {
    const problems: string[] = [];
    const [fromPem, fromJwk] = inspectSigningKeys(
      'signingKeys',
      [{ privateKey: rsa.pem }, { privateKey: rsa.jwk, kid: 'jwk' }],
      problems,
    );
    expect(problems).toEqual([]);
    expect(fromPem?.keyObject.equals(createPrivateKey({ key: rsa.jwk, format: 'jwk' }))).toBe(true);
    expect(fromJwk?.keyObject.equals(fromPem!.keyObject)).toBe(true);
  });
});

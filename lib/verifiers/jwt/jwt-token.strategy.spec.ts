import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import {
  InvalidTokenError,
  VerifierUnavailableError,
  type InvalidTokenReason,
} from '../../core/errors/token.errors.js';
import type { JwtVerifierOptions } from '../../core/options/verifier-options.js';
import { freePort } from '../../../test/helpers/free-port.js';
import { JwksServer } from '../../../test/helpers/jwks-server.js';
import { b64u, mint, rawJwt } from '../../../test/helpers/jwt.js';
import { testKey, type TestKey } from '../../../test/helpers/keys.js';
import { SinkServer } from '../../../test/helpers/sink-server.js';
import { signCompact } from '../../../test/fixtures/verifier-harness.js';
import { KX_CERT_PEM, KX_PRIVATE_PEM } from '../../../test/fixtures/verifier-x5c.js';
import { JwtTokenStrategy } from './jwt-token.strategy.js';

const ISS = 'https://issuer.example.com';
const RES = 'https://mcp.example.com/mcp';
const NOW_MS = 1_800_000_000_000;
const NOW = NOW_MS / 1000;
const SECRET = 'a-shared-hmac-secret-of-at-least-32-chars';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

type Outcome = { accepted: true; sub: string } | { accepted: false; status: number; reason?: InvalidTokenReason };

describe('JwtTokenStrategy', () => {
  let k1: TestKey;
  let k2: TestKey;
  let ec: TestKey;
  let kx: TestKey;
  const kw = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const kxPrivate = createPrivateKey(KX_PRIVATE_PEM);
  let jwks: JwksServer;
  let sink: SinkServer;
  let now: number;

  const create = (options: Partial<JwtVerifierOptions> = {}) =>
    new JwtTokenStrategy({ type: 'jwt', issuer: ISS, jwksUri: jwks.url, ...options } as JwtVerifierOptions, {
      resourceUrl: RES,
      clock: { now: () => now },
    });

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: ISS,
    aud: RES,
    sub: 'u1',
    client_id: 'c1',
    scope: 'notes:read notes:write',
    iat: NOW,
    nbf: NOW,
    exp: NOW + 300,
    ...extra,
  });

  const sign = (
    extra: JWTPayload = {},
    options: { key?: TestKey; header?: Record<string, unknown>; omit?: string[] } = {},
  ) => mint(claims(extra), { key: options.key ?? k1, header: options.header, omit: options.omit }, NOW);

  async function outcome(strategy: JwtTokenStrategy, token: string): Promise<Outcome> {
    try {
      const verified = await strategy.verify(token);
      return { accepted: true, sub: verified.sub };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { accepted: false, status: 401, reason: error.reason };
      if (error instanceof VerifierUnavailableError) return { accepted: false, status: 503 };
      throw error;
    }
  }
  const refused = (reason: InvalidTokenReason): Outcome => ({ accepted: false, status: 401, reason });
  const ACCEPTED: Outcome = { accepted: true, sub: 'u1' };

  let strategy: JwtTokenStrategy;

  beforeAll(async () => {
    [k1, k2, ec, kx] = await Promise.all([testKey('k1'), testKey('k2'), testKey('e1', 'ES256'), testKey('kx')]);
    jwks = await new JwksServer().start([
      k1.publicJwk,
      k2.publicJwk,
      ec.publicJwk,
      { ...(kw.publicKey.export({ format: 'jwk' }) as JWK), kid: 'kw', alg: 'RS256', use: 'sig' },
      { ...k1.publicJwk, kid: 'kenc', use: 'enc' },
      { ...k1.publicJwk, kid: 'kops', use: undefined, key_ops: ['encrypt'] },
    ]);
    sink = await new SinkServer().start();
  });
  afterAll(async () => {
    await jwks.stop();
    await sink.stop();
  });
  beforeEach(() => {
    now = NOW_MS;
    strategy = create();
  });

  describe('accepted tokens', () => {
    it('verifies a good token and describes it', async () => {
      const token = await sign();
      const verified = await strategy.verify(token);
      expect(verified).toEqual({
        token,
        sub: 'u1',
        clientId: 'c1',
        scopes: ['notes:read', 'notes:write'],
        expiresAt: NOW + 300,
        resource: RES,
        issuer: ISS,
        claims: expect.objectContaining({ sub: 'u1', client_id: 'c1', jti: expect.any(String) }),
      });
    });

    it('takes the client id from client_id, else azp, else sub; scopes from scp when scope is absent', async () => {
      const azp = await strategy.verify(await sign({ client_id: undefined, azp: 'spa' }));
      expect(azp.clientId).toBe('spa');
      const bare = await strategy.verify(await sign({ client_id: undefined, scope: undefined, scp: ['a', 'b'] }));
      expect(bare).toMatchObject({ clientId: 'u1', scopes: ['a', 'b'] });
    });

    it('accepts every configured issuer and audience', async () => {
      const multi = create({ issuer: ['https://a.example.com', ISS], audience: ['https://x.example.com', RES] });
      await expect(outcome(multi, await sign())).resolves.toEqual(ACCEPTED);
      await expect(outcome(multi, await sign({ iss: 'https://a.example.com' }))).resolves.toEqual(ACCEPTED);
      const other = await multi.verify(await sign({ aud: 'https://x.example.com' }));
      expect(other.resource).toBe('https://x.example.com');
    });

    it('P-2: an aud array containing the resource is accepted and reports the resource', async () => {
      const verified = await strategy.verify(await sign({ aud: ['https://other.example.com', RES] }));
      expect(verified.resource).toBe(RES);
    });

    it('is a passport-jwt strategy named mcp-jwt that counts JWKS fetches', async () => {
      expect(strategy.name).toBe('mcp-jwt');
      await strategy.verify(await sign());
      expect(strategy.jwksStats.fetches).toBe(1);
    });
  });

  describe('algorithms and keys', () => {
    it.each([['none'], ['None'], ['NONE'], ['nOnE'], [''], [null]])(
      'V-01/V-02: alg %p is refused, unsigned or with the real signature kept',
      async (alg) => {
        const good = await sign();
        const unsigned = rawJwt({ alg, typ: 'JWT' }, claims(), '');
        const keptSignature = `${b64u(JSON.stringify({ alg, kid: 'k1' }))}.${good.split('.')[1]}.${good.split('.')[2]}`;
        for (const token of [unsigned, keptSignature]) {
          const result = await outcome(strategy, token);
          expect(result).toMatchObject({ accepted: false, status: 401 });
        }
      },
    );

    describe('V-03: HS256 signed with the public key as HMAC secret', () => {
      const hmacKeys = (): Array<[string, Uint8Array]> => {
        const pem = k1.publicPem;
        const keyObject = createPublicKey(pem);
        return [
          ['SPKI PEM', Buffer.from(pem)],
          ['PEM with a trailing newline', Buffer.from(`${pem}\n`)],
          ['PEM with a leading newline', Buffer.from(`\n${pem}`)],
          ['PEM with a leading space', Buffer.from(` ${pem}`)],
          ['PEM with a leading tab', Buffer.from(`\t${pem}`)],
          ['PKCS#1 PEM', Buffer.from(keyObject.export({ type: 'pkcs1', format: 'pem' }) as string)],
          ['DER bytes', keyObject.export({ type: 'spki', format: 'der' })],
          ['JWK JSON', Buffer.from(JSON.stringify(k1.publicJwk))],
          ['raw n bytes', Buffer.from(k1.publicJwk.n as string, 'base64url')],
        ];
      };

      it('is refused for every key variant and every key source, even with HS256 wrongly allowed', async () => {
        const sources = [
          ['remote JWKS', create()],
          ['remote JWKS allowing HS256', create({ algorithms: ['RS256', 'HS256'] })],
          [
            'one static PEM allowing HS256',
            create({ jwksUri: undefined, publicKeys: [k1.publicPem], algorithms: ['RS256', 'HS256'] }),
          ],
          [
            'static JWKs allowing HS256',
            create({ jwksUri: undefined, publicKeys: [k1.publicJwk], algorithms: ['HS256'] }),
          ],
        ] as const;
        for (const [, verifier] of sources) {
          for (const [, secret] of hmacKeys()) {
            const token = await new SignJWT(claims())
              .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
              .sign(secret);
            const result = await outcome(verifier, token);
            expect(result).toMatchObject({ accepted: false, status: 401 });
          }
        }
      });
    });

    it('an HMAC verifier accepts HS* tokens with its secret only', async () => {
      const hmac = create({ jwksUri: undefined, secret: SECRET });
      const key = new TextEncoder().encode(SECRET);
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const token = await new SignJWT(claims()).setProtectedHeader({ alg }).sign(key);
        await expect(outcome(hmac, token)).resolves.toEqual(ACCEPTED);
      }
      const wrong = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(`${SECRET}!`));
      await expect(outcome(hmac, wrong)).resolves.toEqual(refused('signature'));
      await expect(outcome(hmac, await sign())).resolves.toEqual(refused('algorithm'));
    });

    it('V-04: an algorithm outside the allowlist is refused even with a real key', async () => {
      const rsOnly = create({ algorithms: ['RS256'] });
      const ps = signCompact({ alg: 'PS256', kid: 'k1', typ: 'at+jwt' }, claims(), k1.privateKey, 'PS256');
      await expect(outcome(rsOnly, ps)).resolves.toEqual(refused('algorithm'));
      const attackerEc = await testKey('e1', 'ES256');
      const es = await sign({}, { key: attackerEc });
      await expect(outcome(rsOnly, es)).resolves.toEqual(refused('algorithm'));
      // allowed algorithm, attacker key under a trusted kid: the signature fails
      await expect(outcome(strategy, es)).resolves.toEqual(refused('signature'));
      await expect(outcome(strategy, await sign({}, { key: ec }))).resolves.toEqual(ACCEPTED);
    });

    it('V-05: the token alg must equal the JWK alg', async () => {
      const rs384 = signCompact({ alg: 'RS384', kid: 'k1' }, claims(), k1.privateKey, 'RS384');
      await expect(outcome(strategy, rs384)).resolves.toEqual(refused('unknown_key'));
    });

    it('V-06: an unknown kid is refused (401), not a 503', async () => {
      await expect(outcome(strategy, await sign({}, { key: kx }))).resolves.toEqual(refused('unknown_key'));
    });

    it.each([[0], [null], [true], [{}], [['k1']], [1.5]])('V-07: a non-string kid %p never selects k1', async (kid) => {
      const token = signCompact({ alg: 'RS256', kid }, claims(), k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused('unknown_key'));
    });

    it('V-09: no kid with several usable keys in the JWKS is ambiguous', async () => {
      const token = signCompact({ alg: 'RS256' }, claims(), k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused('unknown_key'));
    });

    it('V-10/V-11/V-12: jku, x5u, x5c and an embedded jwk are never used or fetched', async () => {
      const kxJwk = kx.publicJwk;
      sink.body = JSON.stringify({ keys: [kxJwk] });
      const certDer = KX_CERT_PEM.replace(/-----[^-]+-----|\s/g, '');
      const headers = [
        { jku: `${sink.origin}/jwks.json`, kid: 'kx' },
        { x5u: `${sink.origin}/cert.pem`, kid: 'kx' },
        { x5c: [certDer] },
        { x5c: [certDer], kid: 'k1' },
        { jwk: kxJwk },
        { jwk: kxJwk, kid: 'k1' },
      ];
      for (const header of headers) {
        const token = signCompact({ alg: 'RS256', typ: 'at+jwt', ...header }, claims(), kxPrivate);
        const result = await outcome(strategy, token);
        expect(result).toMatchObject({ accepted: false, status: 401 });
      }
      expect(sink.hits()).toBe(0);
    });

    it('V-30: a token signed with an RSA-1024 key of the JWKS gets 401 (was 503)', async () => {
      const token = signCompact({ alg: 'RS256', kid: 'kw' }, claims(), kw.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused('unknown_key'));
      const staticWeak = create({
        jwksUri: undefined,
        publicKeys: [kw.publicKey.export({ type: 'spki', format: 'pem' }) as string],
      });
      await expect(outcome(staticWeak, token)).resolves.toEqual(refused('unknown_key'));
    });

    it.each(['kenc', 'kops'])('V-31: a key for encryption (%s) cannot verify', async (kid) => {
      const token = signCompact({ alg: 'RS256', kid }, claims(), k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused('unknown_key'));
    });

    it('static keys: one key without kid is used whatever the token kid; several PEM keys rotate', async () => {
      const one = create({ jwksUri: undefined, publicKeys: [k1.publicPem] });
      await expect(outcome(one, await sign({}, { header: { kid: 'anything' } }))).resolves.toEqual(ACCEPTED);
      const rotation = create({ jwksUri: undefined, publicKeys: [k1.publicPem, k2.publicPem] });
      await expect(outcome(rotation, await sign())).resolves.toEqual(ACCEPTED);
      await expect(outcome(rotation, await sign({}, { key: k2 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(rotation, await sign({}, { header: { kid: undefined } }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(rotation, await sign({}, { key: kx }))).resolves.toEqual(refused('signature'));
      await expect(outcome(rotation, await sign({ iss: 'https://evil.example.com' }, { key: k2 }))).resolves.toEqual(
        refused('issuer'),
      );
      const mixed = create({ jwksUri: undefined, publicKeys: [k1.publicJwk, k2.publicPem] });
      await expect(outcome(mixed, await sign({}, { key: k2, header: { kid: 'idp-kid' } }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(mixed, await sign({}, { key: k2, header: { kid: 'k1' } }))).resolves.toEqual(
        refused('signature'),
      );
    });

    it('V-28: tampered signatures are refused', async () => {
      const good = await sign();
      const other = await sign({ sub: 'admin' });
      const [h, p, s] = good.split('.');
      const [, p2] = other.split('.');
      // The last character of an RSA-2048 signature carries 2 bits (and 4 unused ones): flip a
      // data bit there, and a whole character in the middle.
      const lastFlipped = s.slice(0, -1) + B64URL[B64URL.indexOf(s.at(-1)!) ^ 0b100000];
      const mid = s.length >> 1;
      const midFlipped = s.slice(0, mid) + (s[mid] === 'A' ? 'B' : 'A') + s.slice(mid + 1);
      for (const token of [
        `${h}.${p}.${lastFlipped}`,
        `${h}.${p}.${midFlipped}`,
        `${h}.${p}.`,
        `${h}.${p2}.${s}`,
        `${h}.${p}.${s.slice(0, -3)}`,
      ]) {
        const result = await outcome(create({ cache: false }), token);
        expect(result).toMatchObject({ accepted: false, status: 401 });
      }
    });

    it('V-28 (as implemented): a non-canonical base64url signature with the same bytes is accepted', async () => {
      const [h, p, s] = (await sign()).split('.');
      const unusedBitSet = s.slice(0, -1) + B64URL[B64URL.indexOf(s.at(-1)!) | 1];
      expect(unusedBitSet).not.toBe(s);
      await expect(outcome(strategy, `${h}.${p}.${unusedBitSet}`)).resolves.toEqual(ACCEPTED);
    });
  });

  describe('header checks', () => {
    it.each([
      ['crit naming a registered claim', { crit: ['exp'], exp: NOW + 300 }],
      ['crit naming an unknown extension', { crit: ['urn:x'], 'urn:x': 1 }],
      ['crit that is not an array', { crit: 'urn:x' }],
      ['unencoded payload', { b64: false, crit: ['b64'] }],
    ])('V-13: %s is refused', async (_name, header) => {
      const token = signCompact({ alg: 'RS256', kid: 'k1', ...header }, claims(), k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused('malformed'));
    });

    it.each([
      [undefined, true],
      ['JWT', true],
      ['jwt', true],
      ['at+jwt', true],
      ['AT+JWT', true],
      ['application/at+jwt', true],
      ['application/jwt', true],
      ['id_token+jwt', false],
      ['refresh+jwt', false],
      ['logout+jwt', false],
      ['JOSE', false],
      ['', false],
      [5, false],
      [null, false],
    ])('P-3/V-14 default typ policy: %p accepted=%p', async (typ, accepted) => {
      const header = typ === undefined ? { alg: 'RS256', kid: 'k1' } : { alg: 'RS256', kid: 'k1', typ };
      const token = signCompact(header, claims(), k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(accepted ? ACCEPTED : refused('type'));
    });

    it.each([
      [undefined, false],
      ['JWT', false],
      ['id_token+jwt', false],
      [5, false],
      ['at+jwt', true],
      ['application/at+jwt', true],
      ['AT+JWT', true],
    ])('P-3/V-14 requiredType at+jwt: %p accepted=%p', async (typ, accepted) => {
      const header = typ === undefined ? { alg: 'RS256', kid: 'k1' } : { alg: 'RS256', kid: 'k1', typ };
      const token = signCompact(header, claims(), k1.privateKey);
      await expect(outcome(create({ requiredType: 'at+jwt' }), token)).resolves.toEqual(
        accepted ? ACCEPTED : refused('type'),
      );
    });
  });

  describe('time (frozen clock, tolerance 30 s by default)', () => {
    it('V-15/P-5: exp is honoured with the tolerance, to the second', async () => {
      await expect(outcome(strategy, await sign({ exp: NOW - 29 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(strategy, await sign({ exp: NOW - 30 }))).resolves.toEqual(refused('expired'));
      await expect(outcome(strategy, await sign({ exp: NOW - 31 }))).resolves.toEqual(refused('expired'));
      const strict = create({ clockToleranceSeconds: 0 });
      await expect(outcome(strict, await sign({ exp: NOW }))).resolves.toEqual(refused('expired'));
      await expect(outcome(strict, await sign({ exp: NOW + 1 }))).resolves.toEqual(ACCEPTED);
    });

    it('V-18/P-5: nbf is honoured with the tolerance', async () => {
      await expect(outcome(strategy, await sign({ nbf: NOW + 30 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(strategy, await sign({ nbf: NOW + 31 }))).resolves.toEqual(refused('not_yet_valid'));
      // a non-numeric nbf is reported (and not cached) as not yet valid
      await expect(outcome(strategy, await sign({ nbf: String(NOW) as unknown as number }))).resolves.toEqual(
        refused('not_yet_valid'),
      );
    });

    it('V-19/P-4/P-5: with maxTokenAgeSeconds, iat is required, not in the future and not too old', async () => {
      const aged = create({ maxTokenAgeSeconds: 600 });
      await expect(outcome(aged, await sign({ iat: NOW + 30 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(aged, await sign({ iat: NOW + 31 }))).resolves.toEqual(refused('not_yet_valid'));
      await expect(outcome(aged, await sign({ iat: NOW + 3600 }))).resolves.toEqual(refused('not_yet_valid'));
      await expect(outcome(aged, await sign({ iat: NOW - 630 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(aged, await sign({ iat: NOW - 631 }))).resolves.toEqual(refused('expired'));
      await expect(outcome(aged, await sign({ iat: NOW - 2 * 86400 }))).resolves.toEqual(refused('expired'));
      await expect(outcome(aged, await sign({}, { omit: ['iat'] }))).resolves.toEqual(refused('claims'));
    });

    it('P-4 (as implemented): without maxTokenAgeSeconds, iat is not checked', async () => {
      await expect(outcome(strategy, await sign({ iat: NOW + 3600 }))).resolves.toEqual(ACCEPTED);
      await expect(outcome(strategy, await sign({}, { omit: ['iat'] }))).resolves.toEqual(ACCEPTED);
    });

    it('V-16/P-4: exp is required', async () => {
      await expect(outcome(strategy, await sign({}, { omit: ['exp'] }))).resolves.toEqual(refused('claims'));
    });

    it.each([
      ['a string', '"9999999999"', 'claims'],
      ['an array', `[${NOW + 300}]`, 'claims'],
      ['a boolean', 'true', 'claims'],
      ['null', 'null', 'claims'],
      ['negative', '-1', 'expired'],
    ])('V-17: exp as %s is refused', async (_name, exp, reason) => {
      const payload = `{"iss":"${ISS}","aud":"${RES}","sub":"u1","exp":${exp}}`;
      const token = signCompact({ alg: 'RS256', kid: 'k1' }, payload, k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(refused(reason as InvalidTokenReason));
    });

    it('V-17/P-4 (as implemented): a huge numeric exp is accepted; only maxTokenAgeSeconds bounds the age', async () => {
      const payload = `{"iss":"${ISS}","aud":"${RES}","sub":"u1","iat":${NOW},"exp":1e308}`;
      const token = signCompact({ alg: 'RS256', kid: 'k1' }, payload, k1.privateKey);
      await expect(outcome(strategy, token)).resolves.toEqual(ACCEPTED);
      const aged = create({ maxTokenAgeSeconds: 3600 });
      now += 3631 * 1000;
      await expect(outcome(aged, token)).resolves.toEqual(refused('expired'));
    });
  });

  describe('claims', () => {
    it.each([
      ['trailing slash', `${ISS}/`],
      ['upper-case scheme', ISS.replace('https', 'HTTPS')],
      ['another tenant', `${ISS}/tenant2`],
      ['another issuer', 'https://accounts.google.com'],
      ['zero-width space', `${ISS}\u200b`],
      ['an array holding the issuer', [ISS, 'https://evil.example.com']],
      ['empty', ''],
      ['missing', undefined],
    ])('V-20: iss %s is refused', async (_name, iss) => {
      const token = await sign({ iss: iss as string });
      await expect(outcome(strategy, token)).resolves.toEqual(refused('issuer'));
    });

    it.each([
      ['another resource', 'https://other.example.com/mcp'],
      ['missing', undefined],
      ['empty', ''],
      ['an empty array', []],
      ['trailing slash', `${RES}/`],
      ['prefix match', `${RES}-v2`],
      ['origin only', 'https://mcp.example.com'],
      ['query', `${RES}?x=1`],
      ['fragment', `${RES}#f`],
      ['upper-case scheme and host', 'HTTPS://MCP.EXAMPLE.COM/mcp'],
      ['array without the resource', ['https://other.example.com']],
      ['array of an object', [{}]],
    ])('V-21/V-22/V-23/P-2: aud %s is refused', async (_name, aud) => {
      await expect(outcome(strategy, await sign({ aud: aud as string }))).resolves.toEqual(refused('audience'));
    });

    it('V-23: an aud array holding the resource and a non-string is refused', async () => {
      await expect(outcome(strategy, await sign({ aud: [RES, 5] as unknown as string[] }))).resolves.toEqual(
        refused('audience'),
      );
    });

    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['a number', 123],
      ['an object', { id: 'u1' }],
    ])('V-27/P-4: sub %s is refused', async (_name, sub) => {
      await expect(outcome(strategy, await sign({ sub: sub as string }))).resolves.toEqual(refused('claims'));
    });
  });

  describe('V-32: malformed tokens are refused with 401, never 500 or 503', () => {
    const good = () => sign();
    const cases: Array<[string, () => Promise<string> | string]> = [
      ['abc', () => 'abc'],
      ['two parts', () => 'a.b'],
      ['four parts', () => 'a.b.c.d'],
      ['a five-part JWE', () => 'a.b.c.d.e'],
      ['dots only', () => '..'],
      ['a trailing dot', async () => `${await good()}.`],
      ['+ / = in segments', () => 'eyJ+.eyJ/.c2ln='],
      ['a newline inside', async () => (await good()).replace('.', '\n.')],
      ['header []', () => rawJwt('[]', claims(), 'c2ln')],
      ['header null', () => rawJwt('null', claims(), 'c2ln')],
      ['header {', () => rawJwt('{', claims(), 'c2ln')],
      ['duplicate alg (RS256 then none)', () => rawJwt('{"alg":"RS256","alg":"none"}', claims(), '')],
      ['payload null, signed', () => signCompact({ alg: 'RS256', kid: 'k1' }, 'null', k1.privateKey)],
      ['payload [], signed', () => signCompact({ alg: 'RS256', kid: 'k1' }, '[]', k1.privateKey)],
      ['payload 1, signed', () => signCompact({ alg: 'RS256', kid: 'k1' }, '1', k1.privateKey)],
      ['payload "", signed', () => signCompact({ alg: 'RS256', kid: 'k1' }, '""', k1.privateKey)],
      [
        'invalid UTF-8 in the payload, signed',
        () =>
          signCompact(
            { alg: 'RS256', kid: 'k1' },
            Buffer.concat([
              Buffer.from(`{"iss":"${ISS}","aud":"${RES}","sub":"`),
              Buffer.from([0xc3, 0x28]),
              Buffer.from(`","exp":${NOW + 300}}`),
            ]),
            k1.privateKey,
          ),
      ],
      [
        'a BOM before the payload, unsigned',
        () => rawJwt({ alg: 'RS256', kid: 'k1' }, `\ufeff${JSON.stringify(claims())}`, 'c2ln'),
      ],
    ];

    it.each(cases)('%s', async (_name, build) => {
      const result = await outcome(create({ cache: false }), await build());
      expect(result).toMatchObject({ accepted: false, status: 401 });
    });

    it('(as implemented) a BOM before a payload signed by the trusted key is tolerated, as JSON decoders do', async () => {
      const token = signCompact(
        { alg: 'RS256', kid: 'k1' },
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(claims()))]),
        k1.privateKey,
      );
      await expect(outcome(strategy, token)).resolves.toEqual(ACCEPTED);
    });
  });

  describe('verification cache', () => {
    it('reuses a verification result and re-checks time on each hit', async () => {
      const token = await sign({ exp: NOW + 10 });
      const first = await strategy.verify(token);
      now = (NOW + 39) * 1000; // exp + tolerance - 1 s
      expect(await strategy.verify(token)).toBe(first);
      now = (NOW + 40) * 1000;
      await expect(outcome(strategy, token)).resolves.toEqual(refused('expired'));
    });

    it('cache: false verifies every time', async () => {
      const uncached = create({ cache: false });
      const token = await sign();
      expect(await uncached.verify(token)).not.toBe(await uncached.verify(token));
    });

    it('P-4: a cached token is dropped when maxTokenAgeSeconds runs out, before the cache TTL (was kept)', async () => {
      const aged = create({ maxTokenAgeSeconds: 60, clockToleranceSeconds: 0, cache: { ttlSeconds: 3600 } });
      const token = await sign({ iat: NOW - 50, exp: NOW + 3000 });
      const first = await aged.verify(token);
      now = (NOW + 10) * 1000;
      expect(await aged.verify(token)).toBe(first);
      now = (NOW + 11) * 1000; // age 61 s
      await expect(outcome(aged, token)).resolves.toEqual(refused('expired'));
    });

    it('a cached token is refused again when the clock goes back before nbf - tolerance', async () => {
      const token = await sign({ nbf: NOW });
      await strategy.verify(token);
      now = (NOW - 31) * 1000;
      await expect(outcome(strategy, token)).resolves.toEqual(refused('not_yet_valid'));
    });

    it('remembers permanent refusals, not unknown keys (a later rotation may add the key)', async () => {
      const bad = await sign({ aud: 'https://other.example.com' });
      const firstError = await strategy.verify(bad).catch((e: unknown) => e);
      expect(await strategy.verify(bad).catch((e: unknown) => e)).toBe(firstError);

      const rotating = await new JwksServer().start([k1.publicJwk]);
      try {
        const verifier = create({ jwksUri: rotating.url, jwks: { cooldownMs: 0 } });
        const k3 = await testKey('k3');
        const token = await sign({}, { key: k3 });
        await expect(outcome(verifier, token)).resolves.toEqual(refused('unknown_key'));
        rotating.keys = [k1.publicJwk, k3.publicJwk];
        await expect(outcome(verifier, token)).resolves.toEqual(ACCEPTED);
      } finally {
        await rotating.stop();
      }
    });
  });

  describe('P-1: key source unavailable', () => {
    it('answers 503 (VerifierUnavailableError) when the JWKS cannot be fetched, and 401 stays 401', async () => {
      const port = await freePort();
      const down = create({ jwksUri: `http://127.0.0.1:${port}/jwks` });
      await expect(outcome(down, await sign())).resolves.toEqual({ accepted: false, status: 503 });
      // a token refused before any key is needed is still a 401
      await expect(outcome(down, rawJwt({ alg: 'none' }, claims()))).resolves.toEqual(refused('algorithm'));
    });
  });
});

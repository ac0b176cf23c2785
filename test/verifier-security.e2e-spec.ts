import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { NotesTools } from './fixtures/notes.tools.js';
import { bearer, expectRefused, postMcp, signCompact } from './fixtures/verifier-harness.js';
import { KX_CERT_PEM, KX_PRIVATE_PEM } from './fixtures/verifier-x5c.js';
import { JwksServer } from './helpers/jwks-server.js';
import { b64u, mint, rawJwt } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { rawHttp } from './helpers/raw-http.js';
import { SinkServer } from './helpers/sink-server.js';

/** The trusted issuer of pure-verifier mode (security catalog 0.1 `ISS`); never contacted. */
const ISS = 'http://127.0.0.1:4000';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const DESCRIPTIONS = {
  algorithm: 'The access token signing algorithm is not accepted',
  unknownKey: 'No trusted key matches the access token',
  unusableKey: 'No usable trusted key matches the access token',
  signature: 'The access token signature is invalid',
  malformed: 'The access token is malformed or uses unsupported features',
  header: 'The Authorization header is malformed',
  tooLarge: 'The access token is too large',
  expired: 'The access token has expired',
  notYet: 'The access token is not valid yet',
  issuer: 'The access token was issued by an untrusted issuer',
  audience: 'The access token was not issued for this resource',
  type: 'The token is not an access token',
  subject: 'The access token has no valid subject',
} as const;

describe('verifier security (catalog §1.1) on real HTTP', () => {
  let k1: TestKey;
  let k2: TestKey;
  let kx: TestKey;
  let ecAttacker: TestKey;
  const kw = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const kxFromCert: KeyObject = createPrivateKey(KX_PRIVATE_PEM);
  let jwks: JwksServer;
  let sink: SinkServer;
  let running: RunningApp;
  let notes: NotesTools;
  let RES: string;
  let METADATA: string;

  const now = () => Math.floor(Date.now() / 1000);
  /** GOOD of the catalog: RS256, kid k1, typ at+jwt, every claim, scope for `add_note`. */
  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: ISS,
    aud: RES,
    sub: 'u1',
    client_id: 'pub1',
    scope: 'notes:write',
    iat: now(),
    nbf: now(),
    exp: now() + 300,
    ...extra,
  });
  const good = (
    extra: JWTPayload = {},
    options: { key?: TestKey; header?: Record<string, unknown>; omit?: string[] } = {},
  ) => mint(claims(extra), { key: options.key ?? k1, header: options.header, omit: options.omit });

  /** Sends the token to `add_note`; asserts 401-INV, the challenge, the body and that nothing ran. */
  async function expectInvalid(authorization: string, description?: string): Promise<void> {
    const res = await postMcp(running.mcpUrl, authorization);
    const token = authorization.replace(/^bearer +/i, '');
    const actual = expectRefused(res, {
      error: 'invalid_token',
      resourceMetadata: METADATA,
      token: token.length > 8 ? token : undefined,
    });
    if (description !== undefined) expect(actual).toBe(description);
    expect(notes.notes).toEqual([]);
    expect(sink.hits()).toBe(0);
  }

  async function expectAccepted(authorization: string): Promise<void> {
    const res = await postMcp(running.mcpUrl, authorization);
    expect({ status: res.status, body: res.json }).toEqual({
      status: 200,
      body: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'added (tools/call)' }] } },
    });
    expect(notes.notes).toEqual(['written']);
    notes.notes.length = 0;
  }

  beforeAll(async () => {
    [k1, k2, kx, ecAttacker] = await Promise.all([testKey('k1'), testKey('k2'), testKey('kx'), testKey('k1', 'ES256')]);
    jwks = await new JwksServer().start([
      k1.publicJwk,
      k2.publicJwk,
      { ...(kw.publicKey.export({ format: 'jwk' }) as JWK), kid: 'kw', alg: 'RS256', use: 'sig' },
      { ...k1.publicJwk, kid: 'kenc', use: 'enc' },
      { ...k1.publicJwk, kid: 'kops', use: undefined, key_ops: ['encrypt'] },
    ]);
    sink = await new SinkServer().start();
    running = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      authorizationServers: [ISS],
      verifier: { type: 'jwt', issuer: ISS, jwksUri: jwks.url, algorithms: ['RS256', 'RS384'] },
    }));
    notes = running.app.get(NotesTools);
    RES = running.mcpUrl;
    METADATA = `${running.origin}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(async () => {
    await running.close();
    await jwks.stop();
    await sink.stop();
  });
  beforeEach(() => {
    notes.notes.length = 0;
  });

  it('control: GOOD runs the tool (every refusal below differs from it in one way)', async () => {
    await expectAccepted(bearer(await good()));
  });

  it.each(['none', 'None', 'NONE', 'nOnE', '', null])(
    'V-01/V-02 alg %p, unsigned and with the K1 signature kept',
    async (alg) => {
      const signed = (await good()).split('.');
      await expectInvalid(bearer(rawJwt({ alg, typ: 'JWT' }, claims(), '')));
      await expectInvalid(bearer(`${b64u(JSON.stringify({ alg, kid: 'k1', typ: 'JWT' }))}.${signed[1]}.${signed[2]}`));
    },
  );

  describe('V-03 HS256 signed with the RS public key as HMAC secret', () => {
    const variants = (): Array<[string, Uint8Array]> => {
      const keyObject = createPublicKey(k1.publicPem);
      return [
        ['SPKI PEM', Buffer.from(k1.publicPem)],
        ['PEM + trailing \\n', Buffer.from(`${k1.publicPem}\n`)],
        ['leading \\n + PEM', Buffer.from(`\n${k1.publicPem}`)],
        ['leading space + PEM', Buffer.from(` ${k1.publicPem}`)],
        ['leading tab + PEM', Buffer.from(`\t${k1.publicPem}`)],
        ['PKCS#1 PEM', Buffer.from(keyObject.export({ type: 'pkcs1', format: 'pem' }) as string)],
        ['DER bytes', keyObject.export({ type: 'spki', format: 'der' })],
        ['JWK JSON of K1', Buffer.from(JSON.stringify(k1.publicJwk))],
        ['raw n bytes', Buffer.from(k1.publicJwk.n as string, 'base64url')],
      ];
    };

    it('every HMAC key variant is refused', async () => {
      for (const [, secret] of variants()) {
        const token = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
          .sign(secret);
        await expectInvalid(bearer(token), DESCRIPTIONS.algorithm);
      }
    });
  });

  it('V-04 an algorithm outside the allowlist: PS256 with K1, ES256 with an attacker key', async () => {
    await expectInvalid(
      bearer(signCompact({ alg: 'PS256', kid: 'k1', typ: 'at+jwt' }, claims(), k1.privateKey, 'PS256')),
      DESCRIPTIONS.algorithm,
    );
    await expectInvalid(bearer(await good({}, { key: ecAttacker })), DESCRIPTIONS.algorithm);
  });

  it('V-05 the token alg must equal the JWK alg (RS384 under k1 declared RS256)', async () => {
    await expectInvalid(
      bearer(signCompact({ alg: 'RS384', kid: 'k1' }, claims(), k1.privateKey, 'RS384')),
      DESCRIPTIONS.unknownKey,
    );
  });

  it('V-06 50 parallel unknown-kid tokens: all 401, at most 1 extra JWKS fetch', async () => {
    const before = jwks.hits;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => good({}, { key: kx })));
    const responses = await Promise.all(tokens.map((token) => postMcp(running.mcpUrl, bearer(token))));
    for (const [i, res] of responses.entries()) {
      expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: METADATA, token: tokens[i] })).toBe(
        DESCRIPTIONS.unknownKey,
      );
    }
    expect(jwks.hits - before).toBeLessThanOrEqual(1);
    expect(notes.notes).toEqual([]);
  });

  it.each([[0], [null], [true], [{}], [['k1']]])('V-07 non-string kid %p never matches k1 by coercion', async (kid) => {
    await expectInvalid(bearer(signCompact({ alg: 'RS256', kid }, claims(), k1.privateKey)), DESCRIPTIONS.unknownKey);
  });

  it('V-08 kid injection: refused, no lookup beyond the JWKS cooldown, and a 10 000-character kid is refused before decoding', async () => {
    const before = jwks.hits;
    for (const kid of ['../../../../dev/null', "k1' OR '1'='1", 'k1\u0000', 'k1/../k1']) {
      await expectInvalid(bearer(signCompact({ alg: 'RS256', kid }, claims(), k1.privateKey)), DESCRIPTIONS.unknownKey);
    }
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', kid: 'k'.repeat(10_000) }, claims(), k1.privateKey)),
      DESCRIPTIONS.tooLarge,
    );
    expect(jwks.hits - before).toBeLessThanOrEqual(1);
  });

  it('V-09 no kid while the JWKS has several RSA keys', async () => {
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', typ: 'at+jwt' }, claims(), k1.privateKey)),
      DESCRIPTIONS.unknownKey,
    );
  });

  it('V-10 jku pointing at the sink (which serves the attacker JWKS): refused, 0 sink hits', async () => {
    sink.body = JSON.stringify({ keys: [kx.publicJwk] });
    await expectInvalid(
      bearer(await good({}, { key: kx, header: { jku: `${sink.origin}/jwks.json` } })),
      DESCRIPTIONS.unknownKey,
    );
  });

  it('V-11 x5u to the sink and x5c with the attacker certificate: refused, 0 sink hits', async () => {
    const certB64 = KX_CERT_PEM.replace(/-----[^-]+-----|\s/g, '');
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', kid: 'kx', x5u: `${sink.origin}/cert.pem` }, claims(), kxFromCert)),
      DESCRIPTIONS.unknownKey,
    );
    // no kid: several keys match, so the certificate would have to be used to pick one
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', x5c: [certB64] }, claims(), kxFromCert)),
      DESCRIPTIONS.unknownKey,
    );
    // a trusted kid with the attacker's certificate: the trusted key is used and the signature fails
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', kid: 'k1', x5c: [certB64] }, claims(), kxFromCert)),
      DESCRIPTIONS.signature,
    );
  });

  it('V-12 an embedded jwk is never trusted', async () => {
    await expectInvalid(bearer(await good({}, { key: kx, header: { jwk: kx.publicJwk } })), DESCRIPTIONS.unknownKey);
    await expectInvalid(
      bearer(await good({}, { key: kx, header: { jwk: kx.publicJwk, kid: 'k1' } })),
      DESCRIPTIONS.signature,
    );
  });

  it.each([
    ['crit ["exp"]', { crit: ['exp'] }],
    ['crit ["urn:x"] with urn:x', { crit: ['urn:x'], 'urn:x': 1 }],
    ['b64 false, crit ["b64"]', { b64: false, crit: ['b64'] }],
  ])('V-13 %s', async (_name, header) => {
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', kid: 'k1', typ: 'at+jwt', ...header }, claims(), k1.privateKey)),
      DESCRIPTIONS.malformed,
    );
  });

  it('V-14/P-3 default policy: typ JWT, at+jwt variants and absent accepted; other declared types refused', async () => {
    for (const typ of ['JWT', 'application/at+jwt', 'AT+JWT'])
      await expectAccepted(bearer(await good({}, { header: { typ } })));
    await expectAccepted(bearer(signCompact({ alg: 'RS256', kid: 'k1' }, claims(), k1.privateKey)));
    for (const typ of ['id_token+jwt', 'dpop+jwt', 'logout+jwt']) {
      await expectInvalid(bearer(await good({}, { header: { typ } })), DESCRIPTIONS.type);
    }
  });

  it('V-15 exp beyond the 30 s tolerance is refused; inside it is accepted', async () => {
    await expectInvalid(bearer(await good({ exp: now() - 31 })), DESCRIPTIONS.expired);
    await expectAccepted(bearer(await good({ exp: now() - 25 })));
  });

  it('V-16 exp missing', async () => {
    await expectInvalid(bearer(await good({}, { omit: ['exp'] })), 'The access token has an invalid exp claim');
  });

  it.each([
    ['a string', '"9999999999"'],
    ['an array', '[9999999999]'],
    ['true', 'true'],
    ['-1', '-1'],
  ])('V-17 exp as %s', async (_name, exp) => {
    const payload = JSON.stringify(claims()).replace(/"exp":\d+/, `"exp":${exp}`);
    await expectInvalid(bearer(signCompact({ alg: 'RS256', kid: 'k1' }, payload, k1.privateKey)));
  });

  it('V-18 nbf in the future beyond the tolerance is refused; inside it is accepted', async () => {
    await expectInvalid(bearer(await good({ nbf: now() + 30 + 5 })), DESCRIPTIONS.notYet);
    await expectAccepted(bearer(await good({ nbf: now() + 30 - 5 })));
  });

  it.each([
    ['trailing slash', `${ISS}/`],
    ['upper-case scheme', 'HTTP://127.0.0.1:4000'],
    ['another tenant', `${ISS}/tenant2`],
    ['another issuer', 'https://accounts.google.com'],
    ['zero-width space', `${ISS}\u200b`],
    ['array', [ISS, 'https://evil.example']],
    ['empty', ''],
    ['missing', undefined],
  ])('V-20 iss %s', async (_name, iss) => {
    await expectInvalid(bearer(await good({ iss: iss as string })), DESCRIPTIONS.issuer);
  });

  it.each([
    ['RES2 (another MCP server)', 'http://127.0.0.1:3001/mcp'],
    ['missing', undefined],
    ['empty', ''],
    ['[]', []],
  ])('V-21 aud %s', async (_name, aud) => {
    await expectInvalid(bearer(await good({ aud: aud as string })), DESCRIPTIONS.audience);
  });

  it('V-22/P-2 aud near-misses', async () => {
    const origin = running.origin;
    for (const aud of [
      `${RES}/`,
      `${RES}-v2`,
      origin,
      `${RES}?x=1`,
      `${RES}#f`,
      `HTTP://127.0.0.1:${running.port}/mcp`,
      RES.toUpperCase(),
    ]) {
      await expectInvalid(bearer(await good({ aud })), DESCRIPTIONS.audience);
    }
  });

  it('V-23/P-2 aud arrays: containing RES accepted; others refused', async () => {
    await expectAccepted(bearer(await good({ aud: [RES, 'https://other'] })));
    for (const aud of [['https://other'], [{}]]) {
      await expectInvalid(bearer(await good({ aud: aud as string[] })), DESCRIPTIONS.audience);
    }
    await expectInvalid(
      bearer(await good({ aud: [RES, 5] as unknown as string[] })),
      'The access token audience is malformed',
    );
  });

  it('V-24 foreign tokens: upstream gho_ token, ID-token-like JWT, refresh-token-like JWTs', async () => {
    await expectInvalid(bearer(`gho_${'A1b2C3d4E5'.repeat(3)}f6G7h8`), DESCRIPTIONS.malformed);
    // an ID token of the same issuer and JWKS, for a client id rather than this resource
    await expectInvalid(
      bearer(await good({ aud: 'mcp-client-id', nonce: 'n', azp: 'mcp-client-id' }, { header: { typ: 'JWT' } })),
      DESCRIPTIONS.audience,
    );
    // refresh-token-like JWTs for this very resource, told apart only by their declared type
    await expectInvalid(bearer(await good({}, { header: { typ: 'refresh' } })), DESCRIPTIONS.type);
    await expectInvalid(bearer(await good({}, { header: { typ: 'refresh+jwt' } })), DESCRIPTIONS.type);
  });

  it.each([
    ['empty scope', { scope: '' }],
    ['no scope claim', { scope: undefined }],
  ])('V-25 %s → 403 insufficient_scope naming notes:write, tool not run', async (_name, extra) => {
    const res = await postMcp(running.mcpUrl, bearer(await good(extra)));
    expectRefused(res, { status: 403, error: 'insufficient_scope', resourceMetadata: METADATA, scope: 'notes:write' });
    expect(notes.notes).toEqual([]);
  });

  it.each([
    ['mcp:writer-like suffix', 'notes:writer'],
    ['underscore suffix', 'notes:write_x'],
    ['prefix', 'xnotes:write'],
    ['truncated', 'notes:read notes:writ'],
    ['tab separator', 'notes:read\tnotes:write'],
    ['comma separator', 'notes:read,notes:write'],
    ['wildcard', '*'],
    ['array', ['notes:write']],
  ])('V-26 scope %s → 403', async (_name, scope) => {
    const res = await postMcp(running.mcpUrl, bearer(await good({ scope: scope as string })));
    expectRefused(res, { status: 403, error: 'insufficient_scope', resourceMetadata: METADATA, scope: 'notes:write' });
    expect(notes.notes).toEqual([]);
  });

  it.each([
    ['missing', undefined, 'The access token has an invalid sub claim'],
    ['empty', '', DESCRIPTIONS.subject],
    ['numeric', 123, DESCRIPTIONS.subject],
    ['an object', { id: 'u1' }, DESCRIPTIONS.subject],
  ])('V-27 sub %s', async (_name, sub, description) => {
    await expectInvalid(bearer(await good({ sub: sub as string })), description);
  });

  it('V-28 signature tampering', async () => {
    const [h, p, s] = (await good()).split('.');
    const [, p2] = (await good({ sub: 'admin' })).split('.');
    const mid = s.length >> 1;
    const tampered = [
      `${h}.${p}.${s.slice(0, -1)}${B64URL[B64URL.indexOf(s.at(-1)!) ^ 0b100000]}`,
      `${h}.${p}.${s.slice(0, mid)}${s[mid] === 'A' ? 'B' : 'A'}${s.slice(mid + 1)}`,
      `${h}.${p2}.${s}`,
      `${h}.${p}.${s.slice(0, -3)}`,
    ];
    for (const token of tampered) await expectInvalid(bearer(token), DESCRIPTIONS.signature);
    await expectInvalid(bearer(`${h}.${p}.`), DESCRIPTIONS.signature);
  });

  it('V-30 a token signed with the RSA-1024 key of the JWKS: 401, not 503', async () => {
    await expectInvalid(
      bearer(signCompact({ alg: 'RS256', kid: 'kw' }, claims(), kw.privateKey)),
      DESCRIPTIONS.unusableKey,
    );
  });

  it.each(['kenc', 'kops'])('V-31 JWKS key %s is for encryption', async (kid) => {
    await expectInvalid(bearer(signCompact({ alg: 'RS256', kid }, claims(), k1.privateKey)), DESCRIPTIONS.unknownKey);
  });

  describe('V-32 malformed tokens → 401 invalid_token (P-14), never a 500', () => {
    const header = { alg: 'RS256', kid: 'k1' };
    const cases: Array<[string, () => string]> = [
      ['abc', () => 'abc'],
      ['a.b', () => 'a.b'],
      ['a.b.c.d', () => 'a.b.c.d'],
      ['5-part JWE', () => 'a.b.c.d.e'],
      ['..', () => '..'],
      ['h.p.s.', () => `${rawJwt(header, claims(), 'c2ln')}.`],
      ['segments with + / =', () => 'eyJ+.eyJ/.c2ln='],
      ['header []', () => rawJwt('[]', claims(), 'c2ln')],
      ['header null', () => rawJwt('null', claims(), 'c2ln')],
      ['header {', () => rawJwt('{', claims(), 'c2ln')],
      ['payload null', () => rawJwt(header, 'null', 'c2ln')],
      ['payload []', () => rawJwt(header, '[]', 'c2ln')],
      ['payload 1', () => rawJwt(header, '1', 'c2ln')],
      ['payload ""', () => rawJwt(header, '""', 'c2ln')],
      [
        'invalid UTF-8 payload',
        () => `${b64u(JSON.stringify(header))}.${b64u(Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]))}.c2ln`,
      ],
      ['BOM before the payload JSON', () => rawJwt(header, `\ufeff${JSON.stringify(claims())}`, 'c2ln')],
      ['duplicate alg RS256/none', () => rawJwt('{"alg":"RS256","alg":"none"}', claims(), '')],
    ];
    it.each(cases)('%s', async (_name, build) => {
      await expectInvalid(bearer(build()));
    });

    it('a newline inside the token is refused before it reaches the app or by the app (never 2xx/5xx)', async () => {
      const token = await good();
      const res = await rawHttp({
        port: running.port,
        path: '/mcp',
        headers: [
          ['Content-Type', 'application/json'],
          ['Accept', 'application/json, text/event-stream'],
          ['Authorization', `Bearer ${token.slice(0, 20)}\n${token.slice(20)}`],
        ],
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'add_note', arguments: { text: 'x' } },
        }),
      });
      expect([400, 401]).toContain(res.status);
      expect(notes.notes).toEqual([]);
    });
  });

  describe('V-33 oversized tokens and headers', () => {
    it('(a) a well-formed token of 8 KB, attacker-signed: 401; one just over the 8192-character cap, validly signed: 401 too large', async () => {
      const padded = await good({ pad: 'x'.repeat(5500) }, { key: kx });
      expect(padded.length).toBeGreaterThan(7900);
      expect(padded.length).toBeLessThanOrEqual(8192);
      await expectInvalid(bearer(padded), DESCRIPTIONS.unknownKey);
      let big = await good({ pad: 'x'.repeat(5900) });
      for (let n = 5900; big.length <= 8192; n += 50) big = await good({ pad: 'x'.repeat(n) });
      await expectInvalid(bearer(big), DESCRIPTIONS.tooLarge);
    });

    it('(b) a 15 KB Authorization header: 401 too large', async () => {
      await expectInvalid(bearer('a'.repeat(15 * 1024)), DESCRIPTIONS.tooLarge);
    });

    it.each([
      ['(c) 17 KB', 17 * 1024],
      ['(d) 1 MB', 1024 * 1024],
    ])('%s header: 431 or the socket is closed, and the app stays alive', async (_name, size) => {
      const res = await rawHttp({
        port: running.port,
        path: '/mcp',
        headers: [
          ['Content-Type', 'application/json'],
          ['Authorization', `Bearer ${'a'.repeat(size)}`],
        ],
        body: '{}',
      });
      if (!res.closedWithoutResponse) expect(res.status).toBe(431);
      expect(notes.notes).toEqual([]);
      await expectAccepted(bearer(await good()));
    });
  });
});

describe('V-37 two issuers, each bound to its own JWKS, in a chain', () => {
  const ISS_A = 'http://127.0.0.1:4000';
  const ISS_B = 'http://127.0.0.1:4002';
  let keyA: TestKey;
  let keyB: TestKey;
  let jwksA: JwksServer;
  let jwksB: JwksServer;
  let running: RunningApp;
  let notes: NotesTools;

  beforeAll(async () => {
    [keyA, keyB] = await Promise.all([testKey('a1'), testKey('b1')]);
    [jwksA, jwksB] = await Promise.all([
      new JwksServer().start([keyA.publicJwk]),
      new JwksServer().start([keyB.publicJwk]),
    ]);
    running = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      authorizationServers: [ISS_A, ISS_B],
      verifier: {
        type: 'chain',
        verifiers: [
          { type: 'jwt', issuer: ISS_A, jwksUri: jwksA.url },
          { type: 'jwt', issuer: ISS_B, jwksUri: jwksB.url },
        ],
      },
    }));
    notes = running.app.get(NotesTools);
  });
  afterAll(async () => {
    await running.close();
    await jwksA.stop();
    await jwksB.stop();
  });
  beforeEach(() => {
    notes.notes.length = 0;
  });

  const token = (iss: string, key: TestKey) =>
    mint({ iss, aud: running.mcpUrl, sub: 'u1', scope: 'notes:write' }, { key });

  it('each issuer is accepted with its own key', async () => {
    for (const [iss, key] of [
      [ISS_A, keyA],
      [ISS_B, keyB],
    ] as const) {
      const res = await postMcp(running.mcpUrl, bearer(await token(iss, key)));
      expect(res.status).toBe(200);
    }
    expect(notes.notes).toEqual(['written', 'written']);
  });

  it('a token claiming issuer A but signed with issuer B key (B kid) is refused', async () => {
    const metadata = `${running.origin}/.well-known/oauth-protected-resource/mcp`;
    for (const forged of [await token(ISS_A, keyB), await token(ISS_B, keyA)]) {
      const res = await postMcp(running.mcpUrl, bearer(forged));
      expectRefused(res, { error: 'invalid_token', resourceMetadata: metadata, token: forged });
    }
    // issuer A's claims with B's key under A's kid: A's key is used, the signature fails
    const underAKid = await mint(
      { iss: ISS_A, aud: running.mcpUrl, sub: 'u1', scope: 'notes:write' },
      {
        key: { ...keyB, kid: 'a1' },
      },
    );
    const res = await postMcp(running.mcpUrl, bearer(underAKid));
    expect(expectRefused(res, { error: 'invalid_token', resourceMetadata: metadata })).toBe(
      'The access token signature is invalid',
    );
    expect(notes.notes).toEqual([]);
  });
});

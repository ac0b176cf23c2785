import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importSPKI,
  jwtVerify,
  type JWK,
} from 'jose';
import { InvalidTokenError } from '../core/errors/token.errors.js';
import type { JwtVerifierOptions } from '../core/options/verifier-options.js';
import { JwtTokenStrategy } from '../verifiers/jwt/jwt-token.strategy.js';
import { CliUsageError } from './cli.error.js';
import { createNodeCliIo, type CliIo } from './cli-io.js';
import { KEY_ALGORITHMS } from './keys-generate.command.js';
import { runCli } from './run-cli.js';
import { parseTokenMintArgs } from './token-mint.command.js';

async function cli(argv: string[], overrides: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const io = createNodeCliIo({
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    ...overrides,
  });
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const ISS = 'https://issuer.example';
const AUD = 'http://localhost:3000/mcp';
/** Frozen time of every mint: 2026-06-01T00:00:00.500Z. */
const NOW = Date.UTC(2026, 5, 1) + 500;
const NOW_S = Math.floor(NOW / 1000);
const clock = { now: () => NOW };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

describe('token mint', () => {
  let tmp: string;
  const mint = (...args: string[]) => cli(['token', 'mint', ...args], { now: clock.now, cwd: tmp });
  /** Mints with the required options and returns the bare token. */
  async function mintToken(key: string, ...args: string[]): Promise<string> {
    const result = await mint('--key', key, '--iss', ISS, '--aud', AUD, ...args);
    expect(result).toEqual({ code: 0, stdout: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+\n$/), stderr: '' });
    return result.stdout.trimEnd();
  }
  async function writeKey(name: string, content: string | object): Promise<string> {
    await writeFile(join(tmp, name), typeof content === 'string' ? content : JSON.stringify(content));
    return name;
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'mcp-auth-mint-'));
    for (const alg of KEY_ALGORITHMS) {
      const result = await cli(['keys', 'generate', '--alg', alg, '--out', join(tmp, alg)]);
      if (result.code !== 0) throw new Error(`keys generate failed: ${result.stderr}`);
    }
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe('arguments', () => {
    const required = ['--key', 'k.pem', '--iss', ISS, '--aud', AUD];

    it('applies the defaults', () => {
      expect(parseTokenMintArgs(required)).toEqual({
        key: 'k.pem',
        alg: undefined,
        kid: undefined,
        issuer: ISS,
        audience: AUD,
        subject: 'dev-user',
        clientId: 'dev-client',
        scopes: [],
        ttlSeconds: 3600,
        claims: {},
        typ: 'at+jwt',
        json: false,
      });
    });

    it('reads every option', () => {
      const args = [
        ...required,
        ...['--aud', 'https://other.example/mcp', '--alg', 'PS384', '--kid', 'k9', '--sub', 'u1'],
        ...['--client-id', 'c1', '--scope', 'a b', '--scope', 'b c', '--ttl', '15m', '--claim', 'n=1'],
        ...['--claim', 'tenant=acme', '--typ', 'JWT', '--json'],
      ];
      expect(parseTokenMintArgs(args)).toEqual({
        key: 'k.pem',
        alg: 'PS384',
        kid: 'k9',
        issuer: ISS,
        audience: [AUD, 'https://other.example/mcp'],
        subject: 'u1',
        clientId: 'c1',
        scopes: ['a', 'b', 'c'],
        ttlSeconds: 900,
        claims: { n: 1, tenant: 'acme' },
        typ: 'JWT',
        json: true,
      });
    });

    it('returns nothing for --help, even without the required options', () => {
      expect(parseTokenMintArgs(['--help'])).toBeUndefined();
    });

    it('reads claim values as JSON when they parse, as strings otherwise', () => {
      const claims = [
        'n=1',
        'admin=true',
        'nothing=null',
        'roles=["a","b"]',
        'org={"id":7}',
        'zip=01234',
        'quoted="123"',
        'empty=',
        'pair=a=b',
        'word=acme',
      ];
      expect(parseTokenMintArgs([...required, ...claims.flatMap((claim) => ['--claim', claim])])?.claims).toEqual({
        n: 1,
        admin: true,
        nothing: null,
        roles: ['a', 'b'],
        org: { id: 7 },
        zip: '01234',
        quoted: '123',
        empty: '',
        pair: 'a=b',
        word: 'acme',
      });
    });

    it.each([
      [['--iss', ISS, '--aud', AUD], '--key is required'],
      [['--key', 'k.pem', '--aud', AUD], '--iss is required'],
      [['--key', 'k.pem', '--iss', ISS], '--aud is required'],
      [['--key', '', '--iss', ISS, '--aud', AUD], '--key must not be empty'],
      [['--key', 'k.pem', '--iss', ISS, '--aud', 'localhost'], '--aud must be an absolute URI (got "localhost")'],
      [['--key', 'k.pem', '--iss', 'issuer', '--aud', AUD], '--iss must be an absolute URI (got "issuer")'],
      [[...required, '--aud', '/mcp'], '--aud must be an absolute URI (got "/mcp")'],
      [[...required, '--ttl', '1.5h'], '--ttl must be a duration such as 300, 90s, 15m, 1h or 7d (got "1.5h")'],
      [[...required, '--ttl', '0'], '--ttl must be longer than 0 seconds'],
      [[...required, '--ttl', '400d'], '--ttl must be at most 365d (got "400d")'],
      [[...required, '--alg', 'HS256'], '--alg must be one of RS256, RS384, RS512, PS256, PS384, PS512'],
      [[...required, '--alg', 'none'], '--alg must be one of'],
      [[...required, '--kid', 'a b'], '--kid must be printable ASCII without spaces (got "a b")'],
      [[...required, '--sub', ''], '--sub must not be empty'],
      [[...required, '--client-id', ' '], '--client-id must not be empty'],
      [[...required, '--typ', ''], '--typ must not be empty'],
      [[...required, '--scope', 'a\tb'], '--scope "a\tb" is not a valid scope'],
      [[...required, '--scope', 'say"hi"'], '--scope "say"hi"" is not a valid scope'],
      [[...required, '--claim', 'tenant'], '--claim must look like name=value (got "tenant")'],
      [[...required, '--claim', '=x'], '--claim must look like name=value (got "=x")'],
      [[...required, '--claim', 'a=1', '--claim', 'a=2'], '--claim "a" is given twice'],
      [[...required, '--claim', 'sub=admin'], '--claim cannot set "sub": use --sub'],
      [[...required, '--claim', 'aud=x'], '--claim cannot set "aud": use --aud'],
      [[...required, '--claim', 'iss=x'], '--claim cannot set "iss": use --iss'],
      [[...required, '--claim', 'client_id=x'], '--claim cannot set "client_id": use --client-id'],
      [[...required, '--claim', 'scope=x'], '--claim cannot set "scope": use --scope'],
      [[...required, '--claim', 'exp=1'], '--claim cannot set "exp": use --ttl'],
      [[...required, '--claim', 'iat=1'], '--claim cannot set "iat": it is the current time'],
      [[...required, '--claim', 'nbf=1'], '--claim cannot set "nbf": it is the current time'],
      [[...required, '--claim', 'jti=1'], '--claim cannot set "jti": it is generated'],
    ])('refuses %j', (args, message) => {
      expect(() => parseTokenMintArgs(args)).toThrow(CliUsageError);
      expect(() => parseTokenMintArgs(args)).toThrow(message);
    });

    it('accepts claims named like Object.prototype members', () => {
      expect(parseTokenMintArgs([...required, '--claim', 'constructor=1', '--claim', 'toString=x'])?.claims).toEqual({
        constructor: 1,
        toString: 'x',
      });
    });

    it('reports option errors on stderr with exit code 2, the help pointer and no stack', async () => {
      const result = await mint('--key', 'k.pem', '--iss', ISS, '--aud', AUD, '--ttl', 'soon');
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'error: --ttl must be a duration such as 300, 90s, 15m, 1h or 7d (got "soon")\n' +
          'Run "nestjs-mcp-auth token mint --help" for usage.\n',
      });
    });
  });

  describe.each(KEY_ALGORITHMS)('with a generated %s key', (alg) => {
    let jwks: { keys: [JWK] };
    let publicPem: string;
    beforeAll(async () => {
      jwks = JSON.parse(await readFile(join(tmp, alg, 'jwks.json'), 'utf8'));
      publicPem = await readFile(join(tmp, alg, 'public-key.pem'), 'utf8');
    });
    const strategy = (publicKeys: Array<string | JWK>, resourceUrl = AUD) =>
      new JwtTokenStrategy({ type: 'jwt', issuer: ISS, publicKeys } as JwtVerifierOptions, { resourceUrl, clock });

    /** A PEM does not record the algorithm; RSA PEMs sign RS256 unless told otherwise. */
    const algFor = (file: string) => (file.endsWith('.pem') && alg === 'PS256' ? ['--alg', alg] : []);

    it.each(['private-key.pem', 'private-key.jwk.json'])('signs with %s a token jose verifies', async (file) => {
      const token = await mintToken(
        `${alg}/${file}`,
        ...algFor(file),
        '--sub',
        'u1',
        '--client-id',
        'c1',
        '--scope',
        'x',
      );
      expect(decodeProtectedHeader(token)).toEqual({ alg, typ: 'at+jwt', kid: jwks.keys[0].kid });
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ISS,
        audience: AUD,
        typ: 'at+jwt',
        algorithms: [alg],
        currentDate: new Date(NOW),
        requiredClaims: ['iat', 'nbf', 'exp', 'jti', 'sub'],
      });
      expect(payload).toEqual({
        iss: ISS,
        aud: AUD,
        sub: 'u1',
        client_id: 'c1',
        scope: 'x',
        iat: NOW_S,
        nbf: NOW_S,
        exp: NOW_S + 3600,
        jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      });
    });

    it.each([
      ['its JWKS key', () => [jwks.keys[0]]],
      ['its SPKI PEM', () => [publicPem]],
    ])('signs tokens the level-1 JwtTokenStrategy accepts with %s', async (_name, keys) => {
      for (const file of ['private-key.pem', 'private-key.jwk.json']) {
        const token = await mintToken(`${alg}/${file}`, ...algFor(file), '--scope', 'notes:read notes:write');
        await expect(strategy(keys()).verify(token)).resolves.toEqual({
          token,
          sub: 'dev-user',
          clientId: 'dev-client',
          scopes: ['notes:read', 'notes:write'],
          expiresAt: NOW_S + 3600,
          resource: AUD,
          issuer: ISS,
          claims: expect.objectContaining({ iss: ISS, aud: AUD, jti: expect.any(String) }),
        });
      }
    });

    it('signs tokens the JwtTokenStrategy refuses for another resource or issuer', async () => {
      const token = await mintToken(`${alg}/private-key.jwk.json`);
      await expect(strategy([jwks.keys[0]], 'http://localhost:3000/other').verify(token)).rejects.toMatchObject({
        constructor: InvalidTokenError,
        reason: 'audience',
      });
      const otherIssuer = await mintToken(`${alg}/private-key.jwk.json`, '--iss', 'https://evil.example');
      await expect(strategy([jwks.keys[0]]).verify(otherIssuer)).rejects.toMatchObject({ reason: 'issuer' });
    });

    it('signs tokens no other key verifies', async () => {
      const token = await mintToken(`${alg}/private-key.jwk.json`);
      const other = KEY_ALGORITHMS.find((candidate) => candidate !== alg)!;
      const otherJwks = JSON.parse(await readFile(join(tmp, other, 'jwks.json'), 'utf8'));
      await expect(strategy([{ ...otherJwks.keys[0], kid: jwks.keys[0].kid }]).verify(token)).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    });
  });

  it('prints the header, the claims and the token with --json', async () => {
    const result = await mint(
      ...['--key', 'ES256/private-key.jwk.json', '--iss', ISS, '--aud', AUD, '--aud', 'https://b.example/mcp'],
      ...[
        '--ttl',
        '15m',
        '--claim',
        'tenant=acme',
        '--claim',
        'roles=["admin"]',
        '--kid',
        'k-42',
        '--typ',
        'JWT',
        '--json',
      ],
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(Object.keys(printed)).toEqual(['header', 'claims', 'token']);
    expect(printed.header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'k-42' });
    expect(printed.claims).toEqual({
      iss: ISS,
      aud: [AUD, 'https://b.example/mcp'],
      sub: 'dev-user',
      client_id: 'dev-client',
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 900,
      jti: expect.any(String),
      tenant: 'acme',
      roles: ['admin'],
    });
    expect(printed.token).toMatch(JWT);
    expect(decodeProtectedHeader(printed.token)).toEqual(printed.header);
    expect(decodeJwt(printed.token)).toEqual(printed.claims);
  });

  it('gives every token its own jti', async () => {
    const first = decodeJwt(await mintToken('ES256/private-key.pem'));
    const second = decodeJwt(await mintToken('ES256/private-key.pem'));
    expect(first.jti).not.toBe(second.jti);
  });

  it('writes one space-delimited scope claim without duplicates', async () => {
    const token = await mintToken('ES256/private-key.pem', '--scope', 'a  b', '--scope', 'b c');
    expect(decodeJwt(token).scope).toBe('a b c');
  });

  it('resolves --key against the working directory and accepts absolute paths', async () => {
    await mintToken(join(tmp, 'EdDSA', 'private-key.pem'));
    const result = await cli(['token', 'mint', '--key', 'EdDSA/private-key.pem', '--iss', ISS, '--aud', AUD], {
      cwd: join(tmp, '..'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: cannot read --key "EdDSA/private-key.pem": ENOENT: no such file or directory\n');
  });

  describe('keys', () => {
    it('signs RS256 with an RSA PEM unless --alg names another RSA algorithm', async () => {
      // A PEM records no algorithm: an RSA PEM signs RS256 unless --alg says otherwise (documented).
      expect(decodeProtectedHeader(await mintToken('PS256/private-key.pem')).alg).toBe('RS256');

      const token = await mintToken('RS256/private-key.pem', '--alg', 'PS512');
      expect(decodeProtectedHeader(token).alg).toBe('PS512');
      await jwtVerify(token, await importSPKI(await readFile(join(tmp, 'RS256/public-key.pem'), 'utf8'), 'PS512'), {
        currentDate: new Date(NOW),
      });
    });

    it('uses --kid over the kid of the JWK', async () => {
      expect(decodeProtectedHeader(await mintToken('ES256/private-key.jwk.json', '--kid', 'rotated-1')).kid).toBe(
        'rotated-1',
      );
    });

    it('keeps the kid of a JWK even when it is not a thumbprint', async () => {
      const result = await cli([
        'keys',
        'generate',
        '--kid',
        'custom',
        '--format',
        'jwk',
        '--out',
        join(tmp, 'custom'),
      ]);
      expect(result.code).toBe(0);
      expect(decodeProtectedHeader(await mintToken('custom/private-key.jwk.json')).kid).toBe('custom');
    });

    it('uses the thumbprint as kid for a JWK without one', async () => {
      const { privateKey } = await generateKeyPair('ES384', { extractable: true });
      const jwk = await exportJWK(privateKey);
      const token = await mintToken(await writeKey('no-kid.jwk.json', jwk));
      expect(decodeProtectedHeader(token)).toEqual({
        alg: 'ES384',
        typ: 'at+jwt',
        kid: await calculateJwkThumbprint(jwk),
      });
    });

    it('accepts a JWK Set holding one private key', async () => {
      const privateJwk = JSON.parse(await readFile(join(tmp, 'ES256/private-key.jwk.json'), 'utf8'));
      const token = await mintToken(await writeKey('private.jwks.json', { keys: [privateJwk] }));
      expect(decodeProtectedHeader(token).kid).toBe(privateJwk.kid);
    });

    it.each([
      [
        'PKCS#1 RSA',
        'RS256',
        () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }),
      ],
      [
        'SEC1 P-256',
        'ES256',
        () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }),
      ],
      [
        'SEC1 P-521',
        'ES512',
        () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey.export({ type: 'sec1', format: 'pem' }),
      ],
    ])('accepts a %s PEM and infers %s', async (_name, alg, pem) => {
      const token = await mintToken(await writeKey(`${alg}.legacy.pem`, pem() as string));
      expect(decodeProtectedHeader(token).alg).toBe(alg);
    });

    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const x25519 = generateKeyPairSync('x25519');
    const encrypted = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;

    it.each([
      ['a missing file', async () => 'absent.pem', 'cannot read --key "absent.pem": ENOENT: no such file or directory'],
      ['a directory', async () => 'ES256', 'cannot read --key "ES256": EISDIR: illegal operation on a directory'],
      [
        'an SPKI public PEM',
        async () => 'ES256/public-key.pem',
        '--key "ES256/public-key.pem" holds a public key; token mint needs the private key (private-key.pem or private-key.jwk.json)',
      ],
      [
        'a PKCS#1 public PEM',
        () => writeKey('rsa-public.pem', rsa1024.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string),
        '--key "rsa-public.pem" holds a public key; token mint needs the private key (private-key.pem or private-key.jwk.json)',
      ],
      [
        'a public JWKS',
        async () => 'ES256/jwks.json',
        '--key "ES256/jwks.json" holds a public key; token mint needs the private key (private-key.pem or private-key.jwk.json)',
      ],
      [
        'a public JWK',
        async () =>
          writeKey('public.jwk.json', JSON.parse(await readFile(join(tmp, 'ES256/jwks.json'), 'utf8')).keys[0]),
        '--key "public.jwk.json" holds a public key; token mint needs the private key (private-key.pem or private-key.jwk.json)',
      ],
      [
        'a JWKS of several private keys',
        async () => {
          const jwk = JSON.parse(await readFile(join(tmp, 'ES256/private-key.jwk.json'), 'utf8'));
          return writeKey('two.jwks.json', { keys: [jwk, { ...jwk, kid: 'copy' }] });
        },
        '--key "two.jwks.json" holds 2 keys; give a file with one private key',
      ],
      [
        'a symmetric JWK',
        () => writeKey('oct.jwk.json', { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' }),
        '--key "oct.jwk.json" holds a symmetric key; token mint signs with private keys',
      ],
      [
        'an encrypted PEM',
        () => writeKey('encrypted.pem', encrypted),
        '--key "encrypted.pem" is encrypted; decrypt it first, e.g. openssl pkcs8 -in <file> -out <new file>',
      ],
      ['a text file', () => writeKey('notes.txt', 'hello'), '--key "notes.txt" is neither a PEM private key nor a JWK'],
      [
        'a JSON file that is no key',
        () => writeKey('config.json', { port: 3000 }),
        '--key "config.json" is neither a PEM private key nor a JWK',
      ],
      ['broken JSON', () => writeKey('broken.json', '{ "kty": '), '--key "broken.json" is not valid JSON'],
      [
        'a corrupt PEM',
        () => writeKey('corrupt.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
        /^--key "corrupt\.pem" holds an unreadable PEM private key: .+$/,
      ],
      [
        'an X25519 key',
        () => writeKey('x25519.pem', x25519.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        '--key "x25519.pem" holds an unsupported key (OKP/X25519)',
      ],
      [
        'an encryption JWK',
        async () =>
          writeKey('enc.jwk.json', {
            ...JSON.parse(await readFile(join(tmp, 'ES256/private-key.jwk.json'), 'utf8')),
            use: 'enc',
          }),
        '--key "enc.jwk.json" holds a key for "use": "enc"',
      ],
      [
        'a JWK with a corrupt private member',
        async () =>
          writeKey('bad-d.jwk.json', {
            ...JSON.parse(await readFile(join(tmp, 'ES256/private-key.jwk.json'), 'utf8')),
            d: 'AAAA',
          }),
        /^--key "bad-d\.jwk\.json" holds an invalid EC\/P-256 key: .+$/,
      ],
      [
        'an RSA key shorter than 2048 bits',
        () => writeKey('rsa1024.pem', rsa1024.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
        /^cannot sign with --key "rsa1024\.pem": .*2048/,
      ],
    ])('refuses %s with exit code 2 and a message', async (_name, prepare, message) => {
      const file = await prepare();
      const result = await mint('--key', file, '--iss', ISS, '--aud', AUD);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: [^\n]+\n$/);
      const text = result.stderr.slice('error: '.length, -1);
      expect(text).toMatch(typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message);
    });

    it.each([
      [
        'ES256/private-key.pem',
        'RS256',
        'RS256 cannot sign with the EC/P-256 key in --key "ES256/private-key.pem" (use ES256)',
      ],
      [
        'EdDSA/private-key.pem',
        'ES256',
        'ES256 cannot sign with the OKP/Ed25519 key in --key "EdDSA/private-key.pem" (use EdDSA or Ed25519)',
      ],
      [
        'RS256/private-key.jwk.json',
        'PS256',
        '--alg PS256 does not match the key\'s "alg": "RS256" in --key "RS256/private-key.jwk.json"',
      ],
    ])('refuses to sign %s with --alg %s', async (file, alg, message) => {
      const result = await mint('--key', file, '--iss', ISS, '--aud', AUD, '--alg', alg);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: ${message}\nRun "nestjs-mcp-auth token mint --help" for usage.\n`,
      });
    });
  });
});

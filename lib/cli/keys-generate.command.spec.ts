import { lstat, mkdtemp, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  compactVerify,
  CompactSign,
  createLocalJWKSet,
  importJWK,
  importPKCS8,
  importSPKI,
  type JWK,
} from 'jose';
import { CliUsageError } from './cli.error.js';
import { createNodeCliIo, type CliIo } from './cli-io.js';
import { KEY_ALGORITHMS, parseKeysGenerateArgs, type KeyAlgorithm } from './keys-generate.command.js';
import { runCli } from './run-cli.js';

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

interface PrintedKeys {
  kid: string;
  alg: string;
  privateJwk?: JWK;
  jwks?: { keys: JWK[] };
  privateKeyPem?: string;
  publicKeyPem?: string;
}

async function generate(...args: string[]): Promise<PrintedKeys> {
  const result = await cli(['keys', 'generate', ...args]);
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const KEY_SHAPES: Record<KeyAlgorithm, Partial<JWK>> = {
  RS256: { kty: 'RSA', e: 'AQAB' },
  PS256: { kty: 'RSA', e: 'AQAB' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

/** Signs with `privateKey` and verifies against `publicKey`: proves the two halves belong together. */
async function expectPair(
  alg: string,
  privateKey: Parameters<CompactSign['sign']>[0],
  verify: (jws: string) => Promise<unknown>,
) {
  const jws = await new CompactSign(new TextEncoder().encode('payload')).setProtectedHeader({ alg }).sign(privateKey);
  await expect(verify(jws)).resolves.toBeDefined();
}

describe('keys generate', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'mcp-auth-keys-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  describe('arguments', () => {
    it('defaults to an ES256 key, both formats, printed on stdout', () => {
      expect(parseKeysGenerateArgs([])).toEqual({ alg: 'ES256', format: 'both', force: false });
    });

    it('reads every option', () => {
      expect(
        parseKeysGenerateArgs([
          '--alg',
          'PS256',
          '--bits=3072',
          '--kid',
          'k-1',
          '--format',
          'pem',
          '--out',
          'k',
          '--force',
        ]),
      ).toEqual({ alg: 'PS256', bits: 3072, kid: 'k-1', format: 'pem', out: 'k', force: true });
    });

    it('returns nothing for --help', () => {
      expect(parseKeysGenerateArgs(['--alg', 'RS256', '--help'])).toBeUndefined();
    });

    it.each([
      [['--alg', 'HS256'], '--alg must be one of RS256, PS256, ES256, ES384, EdDSA (got "HS256")'],
      [['--alg', 'es256'], '--alg must be one of RS256, PS256, ES256, ES384, EdDSA (got "es256")'],
      [['--format', 'der'], '--format must be one of jwk, pem, both (got "der")'],
      [['--bits', '4096'], '--bits only applies to RSA algorithms (RS256, PS256), not ES256'],
      [['--alg', 'EdDSA', '--bits', '2048'], '--bits only applies to RSA algorithms (RS256, PS256), not EdDSA'],
      [['--alg', 'RS256', '--bits', '1024'], '--bits must be an integer from 2048 to 8192 (got "1024")'],
      [['--alg', 'RS256', '--bits', '2047'], '--bits must be an integer from 2048 to 8192 (got "2047")'],
      [['--alg', 'RS256', '--bits', '16384'], '--bits must be an integer from 2048 to 8192 (got "16384")'],
      [['--alg', 'RS256', '--bits', '2048.5'], '--bits must be an integer from 2048 to 8192 (got "2048.5")'],
      [['--alg', 'RS256', '--bits', 'many'], '--bits must be an integer from 2048 to 8192 (got "many")'],
      [['--kid', ''], '--kid must be printable ASCII without spaces (got "")'],
      [['--kid', 'my key'], '--kid must be printable ASCII without spaces (got "my key")'],
      [['--out', ''], '--out must not be empty'],
      [['--force'], '--force only applies with --out'],
    ])('refuses %j', (args, message) => {
      expect(() => parseKeysGenerateArgs(args)).toThrow(CliUsageError);
      expect(() => parseKeysGenerateArgs(args)).toThrow(message);
    });

    it('reports option errors with exit code 2 and the command help pointer', async () => {
      const result = await cli(['keys', 'generate', '--alg', 'none']);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'error: --alg must be one of RS256, PS256, ES256, ES384, EdDSA (got "none")\n' +
          'Run "nestjs-mcp-auth keys generate --help" for usage.\n',
      });
    });
  });

  describe.each(KEY_ALGORITHMS)('%s', (alg) => {
    let printed: PrintedKeys;
    beforeAll(async () => {
      printed = await generate('--alg', alg);
    });

    it('prints the kid, alg, private JWK, public JWKS and both PEMs', () => {
      expect(Object.keys(printed)).toEqual(['kid', 'alg', 'privateJwk', 'jwks', 'privateKeyPem', 'publicKeyPem']);
      expect(printed.alg).toBe(alg);
    });

    it('gives the private JWK its private member "d" and kid/alg/use', () => {
      expect(printed.privateJwk).toMatchObject({
        ...KEY_SHAPES[alg],
        d: expect.any(String),
        kid: printed.kid,
        alg,
        use: 'sig',
      });
    });

    it('publishes a JWKS of one public key, without any private member', () => {
      expect(Object.keys(printed.jwks!)).toEqual(['keys']);
      expect(printed.jwks!.keys).toHaveLength(1);
      const [publicJwk] = printed.jwks!.keys;
      expect(publicJwk).toMatchObject({ ...KEY_SHAPES[alg], kid: printed.kid, alg, use: 'sig' });
      for (const member of PRIVATE_MEMBERS) expect(publicJwk).not.toHaveProperty(member);
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = printed.privateJwk!;
      expect(publicJwk).toEqual(publicPart);
    });

    it('uses the RFC 7638 SHA-256 thumbprint of the public key as kid', async () => {
      expect(printed.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(printed.kid).toBe(await calculateJwkThumbprint(printed.jwks!.keys[0], 'sha256'));
    });

    it('exports a PKCS#8 private PEM and an SPKI public PEM of the same key pair', async () => {
      expect(printed.privateKeyPem).toMatch(
        /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PRIVATE KEY-----\n$/,
      );
      expect(printed.publicKeyPem).toMatch(
        /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n$/,
      );
      const publicFromPem = await importSPKI(printed.publicKeyPem!, alg);
      await expectPair(alg, await importPKCS8(printed.privateKeyPem!, alg), (jws) => compactVerify(jws, publicFromPem));
      const jwks = createLocalJWKSet(printed.jwks!);
      await expectPair(alg, await importJWK(printed.privateJwk!, alg), (jws) => compactVerify(jws, jwks));
      await expectPair(alg, await importPKCS8(printed.privateKeyPem!, alg), (jws) => compactVerify(jws, jwks));
    });

    it('generates a new key pair every time', async () => {
      expect((await generate('--alg', alg, '--format', 'jwk')).kid).not.toBe(printed.kid);
    });
  });

  it('generates 2048-bit RSA keys by default and honours --bits', async () => {
    const modulusBits = (jwk: JWK) => Buffer.from(jwk.n!, 'base64url').length * 8;
    expect(modulusBits((await generate('--alg', 'RS256', '--format', 'jwk')).privateJwk!)).toBe(2048);
    expect(modulusBits((await generate('--alg', 'PS256', '--bits', '3072', '--format', 'jwk')).privateJwk!)).toBe(3072);
  });

  it('uses --kid in the private JWK and the JWKS', async () => {
    const printed = await generate('--kid', 'dev-2026', '--format', 'jwk');
    expect(printed.kid).toBe('dev-2026');
    expect(printed.privateJwk!.kid).toBe('dev-2026');
    expect(printed.jwks!.keys[0].kid).toBe('dev-2026');
  });

  it.each([
    ['jwk', ['kid', 'alg', 'privateJwk', 'jwks']],
    ['pem', ['kid', 'alg', 'privateKeyPem', 'publicKeyPem']],
    ['both', ['kid', 'alg', 'privateJwk', 'jwks', 'privateKeyPem', 'publicKeyPem']],
  ])('--format %s prints %j', async (format, members) => {
    expect(Object.keys(await generate('--format', format))).toEqual(members);
  });

  describe('--out', () => {
    const mode = async (path: string) => (await stat(path)).mode & 0o777;

    it('writes the four files, private ones with mode 0600, and lists them', async () => {
      const out = join(tmp, 'both');
      const result = await cli(['keys', 'generate', '--out', out]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect((await readdir(out)).sort()).toEqual([
        'jwks.json',
        'private-key.jwk.json',
        'private-key.pem',
        'public-key.pem',
      ]);
      expect(await mode(join(out, 'private-key.jwk.json'))).toBe(0o600);
      expect(await mode(join(out, 'private-key.pem'))).toBe(0o600);
      expect(await mode(out)).toBe(0o700);

      const privateJwk = JSON.parse(await readFile(join(out, 'private-key.jwk.json'), 'utf8'));
      const jwks = JSON.parse(await readFile(join(out, 'jwks.json'), 'utf8'));
      const kid = await calculateJwkThumbprint(jwks.keys[0], 'sha256');
      expect(privateJwk).toMatchObject({
        kty: 'EC',
        crv: 'P-256',
        d: expect.any(String),
        kid,
        alg: 'ES256',
        use: 'sig',
      });
      expect(jwks).toEqual({
        keys: [{ kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, kid, alg: 'ES256', use: 'sig' }],
      });
      const privatePem = await readFile(join(out, 'private-key.pem'), 'utf8');
      const publicPem = await readFile(join(out, 'public-key.pem'), 'utf8');
      expect(privatePem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[^]+\n-----END PRIVATE KEY-----\n$/);
      await expectPair('ES256', await importPKCS8(privatePem, 'ES256'), async (jws) =>
        compactVerify(jws, await importSPKI(publicPem, 'ES256')),
      );
      await expectPair('ES256', await importPKCS8(privatePem, 'ES256'), (jws) =>
        compactVerify(jws, createLocalJWKSet(jwks)),
      );

      expect(result.stdout.split('\n')).toEqual([
        `Generated an ES256 key pair with kid "${kid}":`,
        expect.stringMatching(
          new RegExp(`^ {2}${out}/private-key\\.jwk\\.json +private JWK \\(mode 0600, keep it secret\\)$`),
        ),
        expect.stringMatching(new RegExp(`^ {2}${out}/jwks\\.json +public JWK Set$`)),
        expect.stringMatching(
          new RegExp(`^ {2}${out}/private-key\\.pem +PKCS#8 private key \\(mode 0600, keep it secret\\)$`),
        ),
        expect.stringMatching(new RegExp(`^ {2}${out}/public-key\\.pem +SPKI public key$`)),
        '',
      ]);
    });

    it.each([
      ['jwk', ['jwks.json', 'private-key.jwk.json']],
      ['pem', ['private-key.pem', 'public-key.pem']],
    ])('writes only the %s files when asked', async (format, files) => {
      const out = join(tmp, `only-${format}`);
      expect((await cli(['keys', 'generate', '--format', format, '--out', out])).code).toBe(0);
      expect((await readdir(out)).sort()).toEqual(files);
    });

    it('resolves a relative --out against the working directory', async () => {
      const result = await cli(['keys', 'generate', '--format', 'pem', '--out', 'rel/keys'], { cwd: tmp });
      expect(result.code).toBe(0);
      expect((await readdir(join(tmp, 'rel/keys'))).sort()).toEqual(['private-key.pem', 'public-key.pem']);
    });

    it('refuses to overwrite any existing file and writes none', async () => {
      const out = join(tmp, 'existing');
      await mkdir(out);
      await writeFile(join(out, 'public-key.pem'), 'keep me');
      const result = await cli(['keys', 'generate', '--out', out]);
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: refusing to overwrite ${join(out, 'public-key.pem')} (use --force to replace)\n`,
      });
      expect(await readdir(out)).toEqual(['public-key.pem']);
      expect(await readFile(join(out, 'public-key.pem'), 'utf8')).toBe('keep me');
    });

    it('replaces existing files with --force and gives private ones mode 0600 again', async () => {
      const out = join(tmp, 'forced');
      await mkdir(out);
      await writeFile(join(out, 'private-key.pem'), 'old', { mode: 0o644 });
      const result = await cli(['keys', 'generate', '--format', 'pem', '--out', out, '--force']);
      expect(result.code).toBe(0);
      expect(await readFile(join(out, 'private-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(await mode(join(out, 'private-key.pem'))).toBe(0o600);
    });

    it('replaces a symbolic link with --force instead of writing through it', async () => {
      const out = join(tmp, 'linked');
      await mkdir(out);
      const victim = join(tmp, 'victim.txt');
      await writeFile(victim, 'untouched');
      await symlink(victim, join(out, 'private-key.pem'));
      expect((await cli(['keys', 'generate', '--format', 'pem', '--out', out])).code).toBe(2);
      expect((await cli(['keys', 'generate', '--format', 'pem', '--out', out, '--force'])).code).toBe(0);
      expect(await readFile(victim, 'utf8')).toBe('untouched');
      expect((await lstat(join(out, 'private-key.pem'))).isSymbolicLink()).toBe(false);
    });

    it('reports a directory it cannot create', async () => {
      const file = join(tmp, 'a-file');
      await writeFile(file, '');
      const result = await cli(['keys', 'generate', '--out', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(`^error: cannot create directory ${file}: EEXIST: file already exists\\n$`),
      );
    });

    it('reports a file it cannot write', async () => {
      const out = join(tmp, 'unwritable');
      const denied = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: 'EACCES' });
      const result = await cli(['keys', 'generate', '--out', out], { writeFile: () => Promise.reject(denied) });
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr: `error: cannot write ${join(out, 'private-key.jwk.json')}: EACCES: permission denied\n`,
      });
    });
  });
});

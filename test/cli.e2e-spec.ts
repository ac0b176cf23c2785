import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ISS = 'https://issuer.cli-e2e.example';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every child process still running; afterAll kills what is left. */
const children = new Set<ChildProcess>();

function run(command: string, args: string[], cwd = ROOT): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI as a separate Node process, built from source first: only `lib/cli/main.ts` and what it
 * imports are compiled (about a second), into a fresh directory laid out like `dist/`, so the
 * test neither depends on nor overwrites a `dist/` that another build may be writing. The
 * directory sits inside the repository so that `jose` resolves from its node_modules.
 */
describe('CLI process (nestjs-mcp-auth)', () => {
  let buildDir: string;
  let main: string;
  let work: string;
  const cli = (...args: string[]) => run(process.execPath, [main, ...args], work);

  beforeAll(async () => {
    await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
    buildDir = await mkdtemp(join(ROOT, 'test-artifacts', 'cli-e2e-'));
    work = await mkdtemp(join(tmpdir(), 'mcp-auth-cli-e2e-'));
    const tsconfig = {
      extends: join(ROOT, 'tsconfig.build.json'),
      compilerOptions: { rootDir: ROOT, outDir: buildDir, declaration: false, declarationMap: false, sourceMap: false },
      files: [join(ROOT, 'lib/cli/main.ts')],
      include: [],
    };
    await writeFile(join(buildDir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const build = await run(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(buildDir, 'tsconfig.json'),
    ]);
    if (build.code !== 0) throw new Error(`tsc failed:\n${build.stdout}${build.stderr}`);
    main = join(buildDir, 'lib/cli/main.js');
  }, 120_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await rm(buildDir, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('is an executable script with a node shebang at the package bin path', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    expect((await readFile(main, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    await chmod(main, 0o755);
    expect(await run(main, ['--version'], work)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('exits with 2 and the usage for an unknown command', async () => {
    const result = await cli('frobnicate');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: unknown command "frobnicate"\nUsage: nestjs-mcp-auth <command> \[options\]\n/,
    );
  });

  describe('keys generate, token mint, then a call to a protected MCP server', () => {
    let generated: Exit;
    let jwks: JSONWebKeySet;
    let running: RunningApp;
    const mint = (key: string, ...args: string[]) =>
      cli('token', 'mint', '--key', key, '--iss', ISS, '--aud', running.mcpUrl, ...args);

    beforeAll(async () => {
      generated = await cli('keys', 'generate', '--out', 'keys');
      jwks = JSON.parse(await readFile(join(work, 'keys', 'jwks.json'), 'utf8'));
      running = await startMcpApp((origin) => ({
        resourceUrl: `${origin}/mcp`,
        authorizationServers: [ISS],
        scopesSupported: ['notes:read'],
        verifier: { type: 'jwt', issuer: ISS, publicKeys: jwks.keys },
      }));
    });
    afterAll(async () => {
      await running?.close();
    });

    it('keys generate writes the key files, private ones with mode 0600', async () => {
      expect(generated.code).toBe(0);
      expect(generated.stderr).toBe('');
      expect(generated.stdout).toMatch(/^Generated an ES256 key pair with kid "[\w-]{43}":\n/);
      const dir = join(work, 'keys');
      expect((await readdir(dir)).sort()).toEqual([
        'jwks.json',
        'private-key.jwk.json',
        'private-key.pem',
        'public-key.pem',
      ]);
      expect((await stat(join(dir, 'private-key.pem'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'private-key.jwk.json'))).mode & 0o777).toBe(0o600);
    });

    it('keys generate refuses to overwrite them without --force', async () => {
      const result = await cli('keys', 'generate', '--out', 'keys');
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: refusing to overwrite .+ \(use --force to replace\)\n$/);
    });

    it('token mint prints just a token that verifies against jwks.json', async () => {
      const result = await mint('keys/private-key.pem', '--scope', 'notes:read', '--ttl', '5m');
      expect(result).toEqual({ code: 0, stdout: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+\n$/), stderr: '' });
      const { payload, protectedHeader } = await jwtVerify(result.stdout.trimEnd(), createLocalJWKSet(jwks), {
        issuer: ISS,
        audience: running.mcpUrl,
        typ: 'at+jwt',
      });
      expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: jwks.keys[0].kid });
      expect(payload).toMatchObject({ sub: 'dev-user', client_id: 'dev-client', scope: 'notes:read' });
      expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    });

    it('the MCP server configured with jwks.json accepts the minted token', async () => {
      const result = await mint(
        'keys/private-key.jwk.json',
        '--sub',
        'alice',
        '--client-id',
        'cli-e2e',
        '--scope',
        'notes:read',
      );
      expect(result.code).toBe(0);
      const client = new Client({ name: 'cli-e2e', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(running.mcpUrl), {
          requestInit: { headers: { Authorization: `Bearer ${result.stdout.trimEnd()}` } },
        }),
      );
      try {
        const whoami = await client.callTool({ name: 'whoami', arguments: {} });
        expect(JSON.parse((whoami.content as Array<{ text: string }>)[0].text)).toEqual({
          sub: 'alice',
          clientId: 'cli-e2e',
          scopes: ['notes:read'],
          aborted: false,
        });
      } finally {
        await client.close();
      }
    });

    it('the MCP server refuses a token minted for another resource', async () => {
      const result = await cli(
        'token',
        'mint',
        '--key',
        'keys/private-key.pem',
        '--iss',
        ISS,
        '--aud',
        'https://elsewhere.example/mcp',
      );
      expect(result.code).toBe(0);
      const response = await fetch(running.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${result.stdout.trimEnd()}` },
        body: '{}',
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('token mint exits with 2 and a one-line message, without a stack, for a public key', async () => {
      const result = await mint('keys/public-key.pem');
      expect(result).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'error: --key "keys/public-key.pem" holds a public key; token mint needs the private key ' +
          '(private-key.pem or private-key.jwk.json)\n',
      });
    });

    it('token mint exits with 2 and points to its help for a bad duration', async () => {
      const result = await mint('keys/private-key.pem', '--ttl', 'forever');
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        'error: --ttl must be a duration such as 300, 90s, 15m, 1h or 7d (got "forever")\n' +
          'Run "nestjs-mcp-auth token mint --help" for usage.\n',
      );
    });
  });
});

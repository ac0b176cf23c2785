import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { McpAuthConfigurationError, McpAuthModule, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { mcpAuthOptionsFromEnvironment } from '../lib/config/index.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { parseBearerChallenge, postMcp, toolCall } from './helpers/clients.js';
import { freePort } from './helpers/free-port.js';
import { mint } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';

const ISSUER = 'https://issuer.example';

/**
 * Environment configuration through @nestjs/config: a real `.env` file loaded by
 * `ConfigModule.forRoot()`, `McpAuthModule.forRootAsync(mcpAuthOptionsFromEnvironment(…))`, a
 * real HTTP server on 127.0.0.1.
 */
describe('environment configuration (.env through @nestjs/config)', () => {
  let dir: string;
  let key: TestKey;
  const apps: INestApplication[] = [];
  const processEnvBefore = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcp-auth-env-'));
    key = await testKey('k1', 'ES256');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    // ConfigModule copies .env values into process.env; leave it as it was.
    for (const name of Object.keys(process.env)) if (!(name in processEnvBefore)) delete process.env[name];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function start(
    dotenv: Record<string, string>,
    programmatic?: Partial<McpAuthModuleOptions>,
    extras?: { mcpEndpoint?: string },
  ): Promise<{ origin: string; port: number }> {
    const envFilePath = join(dir, `${Math.random().toString(36).slice(2)}.env`);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const text = Object.entries({ MCP_AUTH_BASE_URL: origin, ...dotenv })
      .map(([name, value]) => `${name}='${value}'`)
      .join('\n');
    await writeFile(envFilePath, text);

    @Module({
      imports: [
        ConfigModule.forRoot({ envFilePath }),
        McpAuthModule.forRootAsync(mcpAuthOptionsFromEnvironment(programmatic, extras)),
      ],
      providers: [NotesTools],
    })
    class EnvAppModule {}

    const app = await NestFactory.create(EnvAppModule, { logger: false, abortOnError: false });
    apps.push(app);
    await app.listen(port, '127.0.0.1');
    return { origin, port };
  }

  const jwtEnv = () => ({
    MCP_AUTH_PROVIDER: 'jwt',
    MCP_AUTH_JWT_ISSUER: ISSUER,
    MCP_AUTH_JWT_PUBLIC_KEYS: JSON.stringify({ keys: [key.publicJwk] }),
    MCP_AUTH_AUTHORIZATION_SERVERS: ISSUER,
    MCP_AUTH_SCOPES_SUPPORTED: 'notes:read',
  });

  it('configures a working server from a .env file alone', async () => {
    const { origin } = await start(jwtEnv());
    const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(await metadata.json()).toEqual({
      resource: `${origin}/mcp`,
      authorization_servers: [ISSUER],
      scopes_supported: ['notes:read'],
      bearer_methods_supported: ['header'],
    });

    const anonymous = await postMcp(`${origin}/mcp`, toolCall('echo', { text: 'x' }));
    expect(anonymous.status).toBe(401);
    expect(parseBearerChallenge(anonymous.headers.get('www-authenticate'))).toEqual({
      resource_metadata: `${origin}/.well-known/oauth-protected-resource/mcp`,
      scope: 'notes:read',
    });

    const token = await mint({ iss: ISSUER, aud: `${origin}/mcp`, sub: 'alice', client_id: 'c1' }, { key });
    const call = await postMcp(`${origin}/mcp`, toolCall('echo', { text: 'hi' }), { authorization: `Bearer ${token}` });
    expect(call.status).toBe(200);
    expect(await call.text()).toContain('hi:c1');
  });

  it('appends the mcpEndpoint extra to MCP_AUTH_BASE_URL', async () => {
    const { origin } = await start(jwtEnv(), {}, { mcpEndpoint: '/tools/mcp' });
    const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource/tools/mcp`);
    expect(await metadata.json()).toMatchObject({ resource: `${origin}/tools/mcp` });
    expect((await postMcp(`${origin}/tools/mcp`, toolCall('echo', { text: 'x' }))).status).toBe(401);
  });

  it('lets options given in code win over the environment, field by field', async () => {
    const { origin } = await start(
      { ...jwtEnv(), MCP_AUTH_SCOPES_SUPPORTED: 'notes:read', MCP_AUTH_RESOURCE_NAME: 'From env' },
      { scopesSupported: ['notes:write'], verifier: { type: 'jwt', issuer: 'https://code.example' } },
    );
    expect(await (await fetch(`${origin}/.well-known/oauth-protected-resource`)).json()).toMatchObject({
      scopes_supported: ['notes:write'],
      resource_name: 'From env',
    });
    // The issuer comes from code, the keys from the environment.
    const fromEnvIssuer = await mint({ iss: ISSUER, aud: `${origin}/mcp`, sub: 'a' }, { key });
    const fromCodeIssuer = await mint({ iss: 'https://code.example', aud: `${origin}/mcp`, sub: 'a' }, { key });
    const call = (token: string) =>
      postMcp(`${origin}/mcp`, toolCall('echo', { text: 'x' }), { authorization: `Bearer ${token}` });
    expect((await call(fromEnvIssuer)).status).toBe(401);
    expect((await call(fromCodeIssuer)).status).toBe(200);
  });

  it('stops the application at bootstrap naming every bad variable at once', async () => {
    const failure = start({
      MCP_AUTH_PROVIDER: 'jwt',
      MCP_AUTH_JWT_JWKS_URI: 'https://issuer.example/jwks',
      MCP_AUTH_JWT_CLOCK_TOLERANCE: 'a while',
      MCP_AUTH_JWT_AUDIANCE: 'x',
    });
    await expect(failure).rejects.toBeInstanceOf(McpAuthConfigurationError);
    await expect(failure).rejects.toMatchObject({
      problems: [
        'MCP_AUTH_JWT_AUDIANCE: unknown variable (did you mean MCP_AUTH_JWT_AUDIENCE?)',
        'MCP_AUTH_JWT_ISSUER: required',
        'MCP_AUTH_JWT_CLOCK_TOLERANCE: must be a duration such as 30s, 5m, 1h or a number of seconds (got "a while")',
      ],
    });
  });

  it('asks for a provider when neither the environment nor the code chooses a level', async () => {
    await expect(start({})).rejects.toMatchObject({
      problems: [expect.stringMatching(/^MCP_AUTH_PROVIDER: required, one of jwt, introspection, /)],
    });
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication, type Provider } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  type JWK,
} from 'jose';
import { hashPassword, McpAuthConfigurationError, McpAuthModule, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { GitHubFake } from './fakes/github-fake.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { ProxyUpstreamTools, UPSTREAM_USER_API } from './fixtures/proxy-upstream.tools.js';
import { freePort } from './helpers/free-port.js';
import { approveAll } from './helpers/headless-browser.js';
import { OAuthMcpClient } from './helpers/oauth-clients.js';

/**
 * Levels 3 and 4 configured through environment variables: a real `.env` file loaded by
 * `ConfigModule.forRoot()`, `McpAuthModule.forRootFromEnvironment()`, a real HTTP server on
 * 127.0.0.1, the official SDK client completing the OAuth flow (the GitHub fake stands in for
 * github.com; level 4 signs users in itself).
 */

const processEnvBefore = { ...process.env };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcp-auth-env-levels-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Starts an application whose auth configuration is the `.env` file written from `dotenv`
 * (values single-quoted, as users write PEMs with `\n` escapes and JSON), plus `programmatic`.
 */
async function start(
  port: number,
  dotenv: Record<string, string>,
  options: { programmatic?: Partial<McpAuthModuleOptions>; providers?: Provider[] } = {},
): Promise<INestApplication> {
  const envFilePath = join(dir, `${randomBytes(6).toString('hex')}.env`);
  await writeFile(
    envFilePath,
    Object.entries(dotenv)
      .map(([name, value]) => `${name}='${value}'`)
      .join('\n'),
  );

  @Module({
    imports: [ConfigModule.forRoot({ envFilePath }), McpAuthModule.forRootFromEnvironment(options.programmatic)],
    providers: options.providers ?? [],
  })
  class EnvLevelAppModule {}

  try {
    const app = await NestFactory.create(EnvLevelAppModule, { logger: false, abortOnError: false });
    await app.listen(port, '127.0.0.1');
    return app;
  } finally {
    // ConfigModule copies the .env values into process.env, where the next app would read them.
    for (const name of Object.keys(process.env)) if (!(name in processEnvBefore)) delete process.env[name];
  }
}

async function json(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** A PKCS#8 PEM written on one line, as `.env` files need it. */
const oneLine = (pem: string) => pem.trim().replace(/\n/g, '\\n');

const text = (result: unknown) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '';

describe('level 3: a GitHub OAuth proxy from environment variables alone', () => {
  let github: GitHubFake;
  let app: INestApplication;
  let origin: string;
  let kid: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    github = await new GitHubFake({ callbackUrl: `${origin}/oauth/callback` }).start();
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    app = await start(
      port,
      {
        MCP_AUTH_PROVIDER: 'github',
        MCP_AUTH_BASE_URL: origin,
        MCP_AUTH_PRODUCTION: 'true',
        MCP_AUTH_GITHUB_CLIENT_ID: github.clientId,
        MCP_AUTH_GITHUB_CLIENT_SECRET: github.clientSecret,
        MCP_AUTH_GITHUB_BASE_URL: github.origin,
        MCP_AUTH_GITHUB_API_BASE_URL: github.apiBaseUrl,
        MCP_AUTH_SIGNING_KEYS: oneLine(await exportPKCS8(privateKey)),
        MCP_AUTH_STORAGE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64url')}`,
        MCP_AUTH_SCOPES_SUPPORTED: 'read:user',
        MCP_AUTH_ACCESS_TOKEN_TTL: '10m',
        MCP_AUTH_CIMD: 'true',
      },
      {
        providers: [{ provide: UPSTREAM_USER_API, useValue: { url: `${github.apiBaseUrl}/user` } }, ProxyUpstreamTools],
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    await github?.stop();
  });

  it('M-01, M-04: serves protected-resource and authorization-server metadata built from the variables', async () => {
    expect(await json(`${origin}/.well-known/oauth-protected-resource/mcp`)).toEqual({
      resource: `${origin}/mcp`,
      authorization_servers: [origin],
      scopes_supported: ['read:user'],
      bearer_methods_supported: ['header'],
    });
    expect(await json(`${origin}/.well-known/oauth-authorization-server`)).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/authorize`,
      token_endpoint: `${origin}/token`,
      registration_endpoint: `${origin}/register`,
      revocation_endpoint: `${origin}/revoke`,
      jwks_uri: `${origin}/jwks`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    });
    const jwks = (await json(`${origin}/jwks`)) as { keys: JWK[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([kid]);
  });

  it('completes the SDK flow through GitHub and signs with the key from MCP_AUTH_SIGNING_KEYS', async () => {
    const client = new OAuthMcpClient('v2', `${origin}/mcp`);
    try {
      await client.connect();
      const profile = JSON.parse(text(await client.callTool('upstream_profile'))) as Record<string, unknown>;
      expect(profile).toMatchObject({ status: 200, profile: { login: 'octocat', id: 583231 }, sub: '583231' });

      const tokens = client.provider.store.tokens as { access_token: string; expires_in: number };
      expect(tokens.expires_in).toBe(600);
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ kid, typ: 'at+jwt', alg: 'ES256' });
      const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${origin}/jwks`)), {
        issuer: origin,
        audience: `${origin}/mcp`,
      });
      expect(payload.exp! - payload.iat!).toBe(600);
    } finally {
      await client.close();
    }
  });
});

describe('level 4: an authorization server from environment variables alone', () => {
  let app: INestApplication;
  let origin: string;
  const password = `pw-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const users = [
      { username: 'alice', password: await hashPassword(password, { N: 2 ** 14 }), scopes: ['notes:read'] },
    ];
    app = await start(
      port,
      {
        MCP_AUTH_PROVIDER: 'server',
        MCP_AUTH_BASE_URL: origin,
        MCP_AUTH_PRODUCTION: 'true',
        MCP_AUTH_SIGNING_KEYS: JSON.stringify({ keys: [{ ...(await exportJWK(privateKey)), kid: 'env-key-1' }] }),
        MCP_AUTH_SERVER_USERS: JSON.stringify(users),
        MCP_AUTH_SCOPES_SUPPORTED: 'notes:read',
        MCP_AUTH_OAUTH_PATHS: '{"login":"/sign-in"}',
      },
      { providers: [NotesTools] },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('M-01, M-04: serves its metadata and keys as configured', async () => {
    expect(await json(`${origin}/.well-known/oauth-protected-resource/mcp`)).toMatchObject({
      resource: `${origin}/mcp`,
      authorization_servers: [origin],
      scopes_supported: ['notes:read'],
    });
    expect(await json(`${origin}/.well-known/oauth-authorization-server`)).toMatchObject({
      issuer: origin,
      registration_endpoint: `${origin}/register`,
      introspection_endpoint: `${origin}/introspect`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(((await json(`${origin}/jwks`)) as { keys: JWK[] }).keys.map((key) => key.kid)).toEqual(['env-key-1']);
  });

  it('signs in the user of MCP_AUTH_SERVER_USERS (hashed password, production) on the page of MCP_AUTH_OAUTH_PATHS', async () => {
    const client = new OAuthMcpClient('v2', `${origin}/mcp`, {
      policy: approveAll({ username: 'alice', password }),
    });
    try {
      await client.connect();
      expect(text(await client.callTool('list_notes'))).toContain('notes');
      const tokens = client.provider.store.tokens as { access_token: string };
      expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ kid: 'env-key-1' });
      expect(client.provider.authorizationUrls).toHaveLength(1);
    } finally {
      await client.close();
    }
    const login = await fetch(`${origin}/sign-in`);
    expect(login.status).toBe(400);
    expect((await fetch(`${origin}/login`)).status).toBe(404);
  });
});

describe('levels 3 and 4: every problem named by its variable', () => {
  const refused = async (dotenv: Record<string, string>): Promise<readonly string[]> => {
    const error = await start(await freePort(), dotenv).then(
      (app) => app.close().then(() => new Error('the application started')),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(McpAuthConfigurationError);
    return (error as McpAuthConfigurationError).problems;
  };

  it('F-21, AS-02: a GitHub proxy: missing, malformed, unknown and production-required variables at once', async () => {
    expect(
      await refused({
        MCP_AUTH_PROVIDER: 'github',
        MCP_AUTH_BASE_URL: 'http://127.0.0.1:9',
        MCP_AUTH_PRODUCTION: 'true',
        MCP_AUTH_GITHUB_CLIENT_ID: 'Ov23liExample',
        MCP_AUTH_GITHUB_CLIENT_SECRETS: 'typo',
        MCP_AUTH_GITHUB_API_BASE_URL: 'api.github.com',
        MCP_AUTH_SIGNING_KEYS: '{"kty":"oct","k":"c2VjcmV0"}',
        MCP_AUTH_DCR_RATE_LIMIT: 'lots',
        MCP_AUTH_REFRESH_TOKEN_TTL: '1m',
      }),
    ).toEqual([
      'MCP_AUTH_GITHUB_CLIENT_SECRETS: unknown variable (did you mean MCP_AUTH_GITHUB_CLIENT_SECRET?)',
      'MCP_AUTH_GITHUB_API_BASE_URL: must be an absolute http(s) URL without userinfo or fragment or query',
      'MCP_AUTH_GITHUB_CLIENT_SECRET: required',
      'MCP_AUTH_DCR_RATE_LIMIT: must be a number per window such as 30/1m or 100/1h, or false (got "lots")',
      'MCP_AUTH_REFRESH_TOKEN_TTL: must not be less than 300 (seconds)',
      'MCP_AUTH_SIGNING_KEYS[0].privateKey: must be an asymmetric private key; symmetric (oct) keys never sign access tokens (no HS*, security catalog AS-01)',
      'MCP_AUTH_STORAGE_ENCRYPTION_KEYS: required in production with MCP_AUTH_PROVIDER=github: the proxy stores upstream tokens encrypted',
    ]);
  });

  it('F-21, AS-02, TR-05: a level-4 server: plain-text passwords, missing keys and an http issuer in production, a scope without its routes', async () => {
    expect(
      await refused({
        MCP_AUTH_PROVIDER: 'server',
        MCP_AUTH_BASE_URL: 'http://127.0.0.1:9',
        MCP_AUTH_PRODUCTION: 'true',
        MCP_AUTH_SERVER_USERS: '[{"username":"alice","password":"wonderland"}]',
        MCP_AUTH_SERVER_ADMIN_SCOPE: 'ops',
        MCP_AUTH_ISSUER_URL: 'http://auth.example.com',
      }),
    ).toEqual([
      'MCP_AUTH_SERVER_ADMIN_SCOPE: only used with MCP_AUTH_SERVER_ADMIN_ROUTES',
      'MCP_AUTH_ISSUER_URL: must use https in production (got http://auth.example.com)',
      'MCP_AUTH_SIGNING_KEYS: required in production with MCP_AUTH_PROVIDER=server: at least one private key (PKCS#8 PEM or JWK, e.g. from "npx nestjs-mcp-auth keys generate"); an ephemeral key would invalidate every token on restart and differ between instances',
      'MCP_AUTH_SERVER_USERS[0].password: must be a hashPassword() string in production (the password of "alice" is plain text)',
    ]);
  });
});

describe('level 3: options in code win over the environment, field by field', () => {
  let github: GitHubFake;
  let app: INestApplication;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    github = await new GitHubFake({ callbackUrl: `${origin}/oauth/callback` }).start();
    app = await start(
      port,
      {
        MCP_AUTH_PROVIDER: 'github',
        MCP_AUTH_BASE_URL: origin,
        // Overridden in code: GitHub would refuse this client id.
        MCP_AUTH_GITHUB_CLIENT_ID: 'Ov23liNotTheRightApp',
        // Only in the environment: GitHub checks it at the token endpoint.
        MCP_AUTH_GITHUB_CLIENT_SECRET: github.clientSecret,
        MCP_AUTH_GITHUB_BASE_URL: github.origin,
        MCP_AUTH_GITHUB_API_BASE_URL: github.apiBaseUrl,
        MCP_AUTH_OAUTH_PATHS: '{"authorize":"/oauth/authorize","register":"/env-register"}',
        MCP_AUTH_ACCESS_TOKEN_TTL: '10m',
        MCP_AUTH_SCOPES_SUPPORTED: 'read:user',
      },
      {
        programmatic: {
          proxy: {
            upstream: { provider: 'github', clientId: github.clientId },
            paths: { register: '/clients' },
            accessTokenTtlSeconds: 120,
          },
        } as Partial<McpAuthModuleOptions>,
        providers: [{ provide: UPSTREAM_USER_API, useValue: { url: `${github.apiBaseUrl}/user` } }, ProxyUpstreamTools],
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    await github?.stop();
  });

  it('merges the endpoint paths key by key: register from code, authorize from the environment', async () => {
    expect(await json(`${origin}/.well-known/oauth-authorization-server`)).toMatchObject({
      authorization_endpoint: `${origin}/oauth/authorize`,
      registration_endpoint: `${origin}/clients`,
      token_endpoint: `${origin}/token`,
    });
    expect((await fetch(`${origin}/env-register`, { method: 'POST' })).status).toBe(404);
  });

  it("signs in at GitHub with the code's client id, the environment's secret, and the code's token lifetime", async () => {
    const client = new OAuthMcpClient('v2', `${origin}/mcp`);
    try {
      await client.connect();
      const profile = JSON.parse(text(await client.callTool('upstream_profile'))) as Record<string, unknown>;
      expect(profile).toMatchObject({ status: 200, profile: { login: 'octocat' } });
      expect(github.tokenRequests.at(-1)?.params).toMatchObject({
        client_id: github.clientId,
        client_secret: github.clientSecret,
      });
      expect((client.provider.store.tokens as { expires_in: number }).expires_in).toBe(120);
    } finally {
      await client.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { decodeProtectedHeader, jwtVerify, createRemoteJWKSet } from 'jose';
import { GitHubProxyAppModule } from '../sample/03-oauth-proxy-github/app.module.js';
import { sampleSettings } from '../sample/03-oauth-proxy-github/settings.js';
import { GitHubFake } from './fakes/github-fake.js';
import { freePort } from './helpers/free-port.js';
import { OAuthMcpClient } from './helpers/oauth-clients.js';

const text = (result: unknown) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '';

describe('sample 03: settings from the environment', () => {
  it('names every missing GitHub variable at once', () => {
    expect(() => sampleSettings({})).toThrow(
      /GITHUB_CLIENT_ID: required — the Client ID of your GitHub OAuth app[^\n]*\n\s+- GITHUB_CLIENT_SECRET: required/,
    );
    expect(() => sampleSettings({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 's', PORT: 'http' })).toThrow(
      'PORT: must be a port number, got "http"',
    );
    expect(() =>
      sampleSettings({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 's', MCP_AUTH_BASE_URL: 'ftp://x' }),
    ).toThrow('MCP_AUTH_BASE_URL: must be an absolute http(s) URL');
  });

  it('defaults to github.com on loopback, derives the GHES API URL, and puts the callback at the origin', () => {
    expect(sampleSettings({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret' })).toEqual({
      host: '127.0.0.1',
      port: 3000,
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      callbackUrl: 'http://127.0.0.1:3000/oauth/callback',
      github: {
        clientId: 'id',
        clientSecret: 'secret',
        serverUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
      },
    });
    const ghes = sampleSettings({
      GITHUB_CLIENT_ID: 'id',
      GITHUB_CLIENT_SECRET: 'secret',
      GITHUB_SERVER_URL: 'https://github.example.com/',
      MCP_AUTH_BASE_URL: 'https://mcp.example.com',
    });
    expect(ghes.github).toMatchObject({
      serverUrl: 'https://github.example.com',
      apiUrl: 'https://github.example.com/api/v3',
    });
    expect(ghes.resourceUrl).toBe('https://mcp.example.com/mcp');
    expect(ghes.callbackUrl).toBe('https://mcp.example.com/oauth/callback');
  });
});

/**
 * The README walk-through of sample 03 with the GitHub fake standing in for github.com (its
 * base URLs are overridden GitHub Enterprise style): an MCP client registers at the proxy,
 * the user approves it on the proxy's consent page, "signs in at GitHub", and the tools call
 * GitHub's API with the user's GitHub token.
 */
describe('sample 03: GitHub OAuth proxy against the GitHub fake', () => {
  let github: GitHubFake;
  let app: INestApplication;
  let mcpUrl: string;
  let issuer: string;
  let callbackUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    github = await new GitHubFake({
      callbackUrl: `http://127.0.0.1:${port}/oauth/callback`,
      clientId: 'Ov23liSample03Fake',
      clientSecret: randomBytes(20).toString('hex'),
    }).start();
    const settings = sampleSettings({
      PORT: String(port),
      GITHUB_CLIENT_ID: github.clientId,
      GITHUB_CLIENT_SECRET: github.clientSecret,
      GITHUB_SERVER_URL: github.origin,
      GITHUB_API_URL: github.apiBaseUrl,
    });
    callbackUrl = settings.callbackUrl;
    app = await NestFactory.create(GitHubProxyAppModule.forSettings(settings), { logger: false });
    await app.listen(settings.port, settings.host);
    mcpUrl = settings.resourceUrl;
    issuer = new URL(mcpUrl).origin;
  });
  afterAll(async () => {
    await app?.close();
    await github?.stop();
  });
  afterEach(() => github.clear());

  it('the callback URL the README tells users to register is the one GitHub sends users back to', async () => {
    expect(callbackUrl).toBe(`${issuer}/oauth/callback`);
    const metadata = (await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(metadata).toMatchObject({ issuer, registration_endpoint: `${issuer}/register` });
  });

  it.each(['v2', 'v1'] as const)(
    'SDK %s: registers, consents, signs in at GitHub and calls GitHub as the user',
    async (v) => {
      const client = new OAuthMcpClient(v, mcpUrl);
      try {
        await client.connect();
        expect(await client.listTools()).toEqual(['whoami', 'github_profile', 'list_repositories']);
        expect(text(await client.callTool('whoami'))).toBe(
          'You are GitHub user octocat (id 583231), with scopes: read:user',
        );

        const profile = JSON.parse(text(await client.callTool('github_profile')));
        expect(profile).toEqual({
          login: 'octocat',
          id: 583231,
          name: 'The Octocat',
          company: null,
          html_url: 'https://github.com/octocat',
        });

        // read:user does not cover private repositories: GitHub lists the public ones only.
        const { repositories } = JSON.parse(text(await client.callTool('list_repositories', { limit: 5 })));
        expect(repositories.map((repository: { full_name: string }) => repository.full_name)).toEqual([
          'octocat/Spoon-Knife',
          'octocat/Hello-World',
        ]);

        // The client holds only the proxy's own token: an at+jwt for this MCP URL that GitHub
        // does not know, and no GitHub token anywhere in what it received.
        const tokens = client.provider.tokens() as { access_token: string; refresh_token?: string };
        expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
        const { payload } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/jwks`)), {
          issuer,
          audience: mcpUrl,
          typ: 'at+jwt',
        });
        expect(payload).toMatchObject({ sub: '583231', login: 'octocat', scope: 'read:user' });
        expect(JSON.stringify(tokens)).not.toMatch(/gh[oupr]_/);
        expect(github.isValid(tokens.access_token)).toBe(false);
      } finally {
        await client.close();
      }
    },
  );

  it('a GitHub token revoked at GitHub surfaces as a tool error that tells the user to sign in again', async () => {
    const client = new OAuthMcpClient('v2', mcpUrl);
    try {
      await client.connect();
      github.set('repos', { status: 401, body: JSON.stringify({ message: 'Bad credentials' }) });
      const result = (await client.callTool('list_repositories')) as { isError?: boolean };
      expect(result.isError).toBe(true);
      expect(text(result)).toBe('GitHub no longer accepts your authorization (revoked?): sign in again');
    } finally {
      await client.close();
    }
  });
});

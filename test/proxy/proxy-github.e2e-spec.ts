import { decodeJwt } from 'jose';
import { GitHubFake, type GitHubFault } from '../fakes/github-fake.js';
import { fingerprint, GitHubRepoTools } from '../fixtures/proxy-upstream.tools.js';
import { freePort } from '../helpers/free-port.js';
import { OAuthMcpClient } from '../helpers/oauth-clients.js';
import {
  authorization,
  authorizeThroughProxy,
  callTool,
  mcpCall,
  ProxyBrowser,
  redeem,
  registerClient,
  tokenRequest,
  type TestClient,
} from './support/oauth-browser.js';
import { startProxyApp, type ProxyApp } from './support/proxy-app.js';
import { githubProxyModuleOptions } from './support/upstreams.js';

/** GitHub sends the browser straight back to the callback (the user already authorized the app). */
const githubUser = () => ({
  async authorize(upstreamUrl: string): Promise<URL> {
    const response = await fetch(upstreamUrl, { redirect: 'manual' });
    if (response.status !== 302) throw new Error(`GitHub answered ${response.status}`);
    return new URL(response.headers.get('location')!);
  },
});

/** A level-3 app in front of a GitHub fake, with the preset's base URLs pointed at the fake. */
async function githubProxy(
  fakeOptions: { expiringTokens?: boolean } = {},
  upstream: Record<string, unknown> = {},
): Promise<{ app: ProxyApp; github: GitHubFake }> {
  const port = await freePort();
  const github = await new GitHubFake({
    callbackUrl: `http://127.0.0.1:${port}/oauth/callback`,
    ...fakeOptions,
  }).start();
  const app = await startProxyApp((origin) => githubProxyModuleOptions(origin, github, {}, upstream), {
    port,
    userApiUrl: `${github.apiBaseUrl}/user`,
    providers: [GitHubRepoTools],
  });
  return { app, github };
}

async function signIn(app: ProxyApp, scope = 'read:user repo', client?: TestClient) {
  const registered = client ?? (await registerClient(app.origin));
  const done = await authorizeThroughProxy(
    new ProxyBrowser(),
    authorization(app.origin, app.mcpUrl, registered, { scope }),
    githubUser(),
  );
  return { client: registered, ...(await redeem(app.origin, done)) };
}

describe('proxy (level 3): GitHub preset against the GitHub fake', () => {
  describe('GitHub OAuth app (tokens without expiry)', () => {
    let app: ProxyApp;
    let github: GitHubFake;

    beforeAll(async () => {
      ({ app, github } = await githubProxy());
    });
    afterAll(async () => {
      await app?.close();
      await github?.stop();
    });
    afterEach(() => {
      github.clear();
      github.grantedScopes = undefined;
      app.clock.ms = Date.now();
    });

    it('SDK v2 completes the flow; the subject is GitHub’s numeric id; a tool calls GET /user with the gho_ token', async () => {
      const client = new OAuthMcpClient('v2', app.mcpUrl);
      try {
        await client.connect();
        const result = (await client.callTool('upstream_profile')) as { structuredContent: Record<string, unknown> };
        expect(result.structuredContent).toMatchObject({
          status: 200,
          sub: '583231',
          profile: { id: 583231, login: 'octocat' },
        });
        const tokens = client.provider.store.tokens as { access_token: string; scope: string };
        expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: '583231', login: 'octocat', iss: app.origin });
        expect(tokens.scope.split(' ').sort()).toEqual(['read:user', 'repo']);
        const { upstream } = await app.grantOf(tokens.access_token);
        expect(upstream?.accessToken).toMatch(/^gho_[A-Za-z0-9]{36}$/);
        expect(JSON.stringify(client.provider.store)).not.toContain(upstream!.accessToken);
        // The proxy's own PKCE leg and client_secret_post, JSON answers requested.
        const exchange = github.tokenRequests.at(-1)!;
        expect(exchange.headers.accept).toContain('application/json');
        expect(exchange.params).toMatchObject({ client_id: github.clientId, client_secret: github.clientSecret });
        expect(exchange.params.code_verifier).toMatch(/^[A-Za-z0-9_~.-]{43,128}$/);
      } finally {
        await client.close();
      }
    });

    it('missing expires_in: the OAuth app token gets no expiry and no refresh is ever attempted', async () => {
      const user = await signIn(app);
      const info = await callTool(app.mcpUrl, user.access_token, 'upstream_token_info');
      expect(info).toMatchObject({ expiresAt: null, hasRefreshToken: false });
      const exchanges = github.hits.access_token;
      // Fifty minutes later (our token still valid): the upstream token is used as is.
      app.clock.ms += 50 * 60_000;
      expect(await callTool(app.mcpUrl, user.access_token, 'upstream_profile')).toMatchObject({
        status: 200,
        upstreamToken: info.upstreamToken,
      });
      expect(github.hits.access_token).toBe(exchanges);
    });

    it('the opaque token is verified through GET /user on MCP requests, and a success is cached per grant', async () => {
      const user = await signIn(app);
      const checks = () => github.hits.user;
      const before = checks();
      for (let i = 0; i < 5; i++) expect((await mcpCall(app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
      expect(checks() - before).toBe(1);
      // The cache lasts the configured 60 s, then GitHub is asked again.
      app.clock.ms += 61_000;
      expect((await mcpCall(app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
      expect(checks() - before).toBe(2);
    });

    it('scopes from X-OAuth-Scopes: at the callback and at request time they bound the MCP token’s scopes', async () => {
      const user = await signIn(app);
      expect(user.scope.split(' ').sort()).toEqual(['read:user', 'repo']);
      const allowed = await mcpCall(app.mcpUrl, user.access_token, 'tools/call', { name: 'list_repos', arguments: {} });
      expect(allowed.body).toMatchObject({ result: { content: [{ text: expect.stringContaining('repos for') }] } });
      // GitHub now reports only read:user for the token (X-OAuth-Scopes is authoritative).
      github.set('user', {
        status: 200,
        headers: { 'x-oauth-scopes': 'read:user' },
        body: JSON.stringify({ id: 583231, login: 'octocat', name: 'The Octocat', email: null }),
      });
      app.clock.ms += 61_000;
      const step = await mcpCall(app.mcpUrl, user.access_token, 'tools/call', { name: 'list_repos', arguments: {} });
      expect(step.status).toBe(403);
      expect(step.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
      expect(step.headers.get('www-authenticate')).toMatch(/scope="repo/);
      const listed = await mcpCall(app.mcpUrl, user.access_token, 'tools/list');
      expect(JSON.stringify(listed.body)).not.toContain('list_repos');

      // At the callback: the token response says "read:user,repo" but /user says read:user.
      const narrowed = await signIn(app);
      expect(narrowed.scope).toBe('read:user');
    });

    it('CB-10: the scopes the user left checked at GitHub are recorded, never the requested ones', async () => {
      github.grantedScopes = ['read:user'];
      const user = await signIn(app, 'read:user repo');
      expect(user.scope).toBe('read:user');
      expect(decodeJwt(user.access_token).scope).toBe('read:user');
    });

    it('R-08: an authorization revoked at GitHub ends the MCP grant: 401 invalid_token, then invalid_grant on refresh', async () => {
      const user = await signIn(app);
      const { upstream } = await app.grantOf(user.access_token);
      // The user revokes the app on github.com ("Delete an app authorization").
      const deleted = await fetch(`${github.apiBaseUrl}/applications/${github.clientId}/grant`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${github.clientId}:${github.clientSecret}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ access_token: upstream!.accessToken }),
      });
      expect(deleted.status).toBe(204);
      const rejected = await mcpCall(app.mcpUrl, user.access_token, 'tools/list');
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      const refresh = await tokenRequest(app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });

    it('F-11: /user failing at request time answers 503 with Retry-After, is not cached, and keeps the grant', async () => {
      const user = await signIn(app);
      const faults: GitHubFault[] = [
        { status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } },
        {
          status: 403,
          body: JSON.stringify({ message: 'API rate limit exceeded' }),
          headers: { 'x-ratelimit-remaining': '0', 'retry-after': '30' },
        },
        { delayMs: 2500 },
      ];
      for (const fault of faults) {
        github.set('user', fault);
        app.clock.ms += 61_000;
        const answer = await mcpCall(app.mcpUrl, user.access_token, 'tools/list');
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(answer.headers.get('www-authenticate')).toBeNull();
        expect(JSON.stringify(answer.body)).not.toContain('127.0.0.1');
        github.clear();
        // Not cached as invalid: GitHub is back, the same token works at once.
        expect((await mcpCall(app.mcpUrl, user.access_token, 'tools/list')).status).toBe(200);
      }
      expect(await callTool(app.mcpUrl, user.access_token, 'upstream_profile')).toMatchObject({ status: 200 });
    });

    it('RV-07: revoking the MCP grant deletes the GitHub app authorization; the gho_ token is dead at GitHub', async () => {
      const user = await signIn(app);
      const { upstream } = await app.grantOf(user.access_token);
      expect(github.isValid(upstream!.accessToken)).toBe(true);
      const deletes = github.hits.grant;
      const revoked = await fetch(`${app.origin}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: user.access_token, client_id: user.client.clientId }).toString(),
      });
      expect(revoked.status).toBe(200);
      expect(github.hits.grant - deletes).toBe(1);
      expect(github.isValid(upstream!.accessToken)).toBe(false);
      expect((await mcpCall(app.mcpUrl, user.access_token, 'tools/list')).status).toBe(401);
    });

    it('RV-07: GitHub failing the grant deletion does not fail our revocation', async () => {
      const user = await signIn(app);
      github.set('grant', { status: 500, body: '{}' });
      const revoked = await fetch(`${app.origin}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: user.refresh_token, client_id: user.client.clientId }).toString(),
      });
      expect(revoked.status).toBe(200);
      expect((await mcpCall(app.mcpUrl, user.access_token, 'tools/list')).status).toBe(401);
    });
  });

  describe('fallbackExpiresInSeconds', () => {
    it('applies to a token response without expires_in; with no refresh token the token is kept and checked at GitHub', async () => {
      const { app, github } = await githubProxy({}, { fallbackExpiresInSeconds: 900 });
      try {
        const user = await signIn(app);
        const info = await callTool(app.mcpUrl, user.access_token, 'upstream_token_info');
        const now = Math.floor(app.clock.now() / 1000);
        expect(info.expiresAt).toBeGreaterThanOrEqual(now + 899);
        expect(info.expiresAt).toBeLessThanOrEqual(now + 901);
        app.clock.ms += 1000 * 1000;
        const exchanges = github.hits.access_token;
        expect(await callTool(app.mcpUrl, user.access_token, 'upstream_profile')).toMatchObject({
          status: 200,
          upstreamToken: info.upstreamToken,
        });
        expect(github.hits.access_token).toBe(exchanges);
      } finally {
        await app.close();
        await github.stop();
      }
    });
  });

  describe('GitHub App (expiring user tokens, rotated refresh tokens)', () => {
    let app: ProxyApp;
    let github: GitHubFake;

    beforeAll(async () => {
      ({ app, github } = await githubProxy({ expiringTokens: true }));
    });
    afterAll(async () => {
      await app?.close();
      await github?.stop();
    });
    afterEach(() => {
      github.clear();
      app.clock.ms = Date.now();
    });

    it('refreshes the ghu_ token transparently with the ghr_ refresh token, once, and keeps the rotated one', async () => {
      const user = await signIn(app, 'read:user');
      const first = await callTool(app.mcpUrl, user.access_token, 'upstream_token_info');
      expect(first).toMatchObject({ hasRefreshToken: true });
      const { upstream: before } = await app.grantOf(user.access_token);
      expect(before?.accessToken).toMatch(/^ghu_/);
      expect(before?.refreshToken).toMatch(/^ghr_/);
      // Our access token lives an hour; the GitHub token eight. Refresh our token, then go 8 h on.
      const exchanges = github.hits.access_token;
      app.clock.ms += 8 * 3600_000 - 30_000;
      const refreshed = await tokenRequest(app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refreshed.status).toBe(200);
      const accessToken = refreshed.body.access_token as string;
      const results = await Promise.all(
        Array.from({ length: 4 }, () => callTool(app.mcpUrl, accessToken, 'upstream_profile')),
      );
      expect(github.hits.access_token - exchanges).toBe(1);
      for (const result of results) expect(result).toMatchObject({ status: 200, profile: { login: 'octocat' } });
      const { upstream: after } = await app.grantOf(accessToken);
      expect(after?.accessToken).not.toBe(before?.accessToken);
      expect(after?.refreshToken).not.toBe(before?.refreshToken);
      expect(results[0].upstreamToken).toBe(fingerprint(after!.accessToken));
      expect(github.isValid(before!.accessToken)).toBe(false);
    });

    it('R-08: bad_refresh_token (GitHub answers HTTP 200 with an error) revokes the MCP grant', async () => {
      const user = await signIn(app, 'read:user');
      const { upstream } = await app.grantOf(user.access_token);
      // The user revoked the app at GitHub: the refresh token is dead too.
      await fetch(`${github.apiBaseUrl}/applications/${github.clientId}/grant`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${github.clientId}:${github.clientSecret}`).toString('base64')}`,
        },
        body: JSON.stringify({ access_token: upstream!.accessToken }),
      });
      app.clock.ms += 8 * 3600_000 - 30_000;
      const refreshed = await tokenRequest(app.origin, {
        grant_type: 'refresh_token',
        refresh_token: user.refresh_token,
        client_id: user.client.clientId,
      });
      expect(refreshed.status).toBe(200);
      const rejected = await mcpCall(app.mcpUrl, refreshed.body.access_token as string, 'tools/list');
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      const again = await tokenRequest(app.origin, {
        grant_type: 'refresh_token',
        refresh_token: refreshed.body.refresh_token as string,
        client_id: user.client.clientId,
      });
      expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    });
  });
});

import {
  createUpstreamProvider,
  createUpstreamTransactionSecrets,
  UpstreamOAuthClient,
  UpstreamProtocolError,
  UpstreamRejectedError,
  type UpstreamTransactionSecrets,
} from '../lib/proxy/upstream/index.js';
import { GitHubFake } from './fakes/github-fake.js';
import { freePort } from './helpers/free-port.js';

/** The `github` preset against a local fake of GitHub's OAuth endpoints and REST API. */
describe('upstream github preset with the GitHub fake', () => {
  let github: GitHubFake;
  let apps: GitHubFake;
  let callback: string;

  beforeAll(async () => {
    callback = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    github = await new GitHubFake({ callbackUrl: callback }).start();
    apps = await new GitHubFake({ callbackUrl: callback, expiringTokens: true }).start();
  });
  afterAll(async () => {
    await Promise.all([github?.stop(), apps?.stop()]);
  });
  afterEach(() => {
    github.clear();
    github.approve = true;
    github.grantedScopes = undefined;
  });

  const upstream = (fake = github, redirectUri = callback) =>
    new UpstreamOAuthClient(
      createUpstreamProvider({
        provider: 'github',
        clientId: fake.clientId,
        clientSecret: fake.clientSecret,
        baseUrl: fake.origin,
        apiBaseUrl: fake.apiBaseUrl,
        timeoutMs: 2000,
      }),
      { redirectUri },
    );

  /** Plays the browser: follows the authorization URL to GitHub's redirect. */
  async function authorize(
    client: UpstreamOAuthClient,
    scopes?: string[],
  ): Promise<{ secrets: UpstreamTransactionSecrets; returned: URL }> {
    const secrets = createUpstreamTransactionSecrets();
    const url = await client.authorizationUrl({ ...secrets, scopes });
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return { secrets, returned: new URL(response.headers.get('location')!) };
  }

  describe('the fake follows the documented behaviour', () => {
    const tokenRequest = (accept?: string) =>
      fetch(`${github.origin}/login/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
        body: new URLSearchParams({ client_id: github.clientId, client_secret: github.clientSecret, code: 'nope' }),
      });

    it('answers form-encoded by default, JSON or XML on request, and errors with HTTP 200', async () => {
      const form = await tokenRequest();
      expect(form.status).toBe(200);
      expect(Object.fromEntries(new URLSearchParams(await form.text()))).toMatchObject({
        error: 'bad_verification_code',
      });
      const json = await tokenRequest('application/json');
      expect(json.status).toBe(200);
      expect(await json.json()).toMatchObject({
        error: 'bad_verification_code',
        error_description: 'The code passed is incorrect or expired.',
      });
      expect(await (await tokenRequest('application/xml')).text()).toMatch(
        /^<OAuth><error>bad_verification_code<\/error>/,
      );
    });

    it('refuses REST calls without a User-Agent', async () => {
      // undici always sends a User-Agent unless it is overridden with an empty value.
      const response = await fetch(`${github.apiBaseUrl}/user`, { headers: { 'user-agent': '' } });
      expect(response.status).toBe(403);
    });
  });

  it('completes authorize → callback → exchange → GET /user → revoke', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    expect(returned.origin + returned.pathname).toBe(callback);
    expect(returned.searchParams.get('state')).toBe(secrets.state);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });

    const tokens = await client.exchangeCode(code, secrets.codeVerifier, { scopes: ['read:user'] });
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      expiresAtSource: 'none',
      scopes: ['read:user'],
      upstreamScopes: ['read:user'],
      scopesReported: true,
    });
    expect(tokens.accessToken).toMatch(/^gho_[A-Za-z0-9]{36}$/);
    expect(tokens.expiresAt).toBeUndefined();
    const [request] = github.tokenRequests.slice(-1);
    expect(request.headers.accept).toBe('application/json');
    expect(request.params).toMatchObject({
      redirect_uri: callback,
      code_verifier: secrets.codeVerifier,
      client_id: github.clientId,
    });

    const identity = await client.identity(tokens);
    expect(identity).toMatchObject({
      subject: '583231',
      source: 'github',
      claims: { login: 'octocat', name: 'The Octocat', email: 'octocat@github.com' },
      upstreamScopes: ['read:user'],
      scopes: ['read:user'],
    });

    expect(await client.revoke(tokens)).toEqual({ status: 'revoked', token: 'access_token' });
    expect(github.isValid(tokens.accessToken)).toBe(false);
    const after = await client.identity(tokens).catch((error: unknown) => error);
    expect(after).toBeInstanceOf(UpstreamRejectedError);
    expect(after).toMatchObject({ error: 'invalid_token', upstreamStatus: 401 });
    expect(await client.revoke(tokens)).toEqual({ status: 'revoked', token: 'access_token', alreadyInvalid: true });
  });

  it('CB-09: a replayed code gets GitHub’s 200 bad_verification_code → rejected', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    await client.exchangeCode(code, secrets.codeVerifier);
    const error = await client.exchangeCode(code, secrets.codeVerifier).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({
      error: 'invalid_grant',
      upstreamStatus: 200,
      upstreamError: 'bad_verification_code',
    });
  });

  it('GitHub checks the proxy’s PKCE verifier', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    await expect(client.exchangeCode(code, createUpstreamTransactionSecrets().codeVerifier)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('records GitHub’s normalized scopes (user covers read:user)', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client, ['user', 'read:user', 'gist']);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier, { scopes: ['user', 'read:user', 'gist'] });
    expect(tokens.upstreamScopes).toEqual(['user', 'gist']);
    expect(tokens.scopes).toEqual(['user', 'read:user', 'gist']);
    expect((await client.identity(tokens)).upstreamScopes).toEqual(['user', 'gist']);
  });

  it('CB-10: records the narrower scopes the user left checked', async () => {
    github.grantedScopes = ['read:user'];
    const client = upstream();
    const { secrets, returned } = await authorize(client, ['read:user', 'repo']);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier, { scopes: ['read:user', 'repo'] });
    expect(tokens.scopes).toEqual(['read:user']);
  });

  it('CB-06: "Cancel" comes back as access_denied; the description is not reflected', async () => {
    github.approve = false;
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    expect(returned.searchParams.get('error')).toBe('access_denied');
    const error = (await client
      .handleCallback(returned.searchParams, { state: secrets.state })
      .catch((e: unknown) => e)) as UpstreamRejectedError;
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error).toMatchObject({
      error: 'access_denied',
      upstreamDescription: 'The user has denied your application access.',
    });
    expect(error.description).toBe('The user or the identity provider denied the authorization request');
  });

  it('a callback URL that does not fit the app is GitHub’s redirect_uri_mismatch → protocol error', async () => {
    const elsewhere = `http://127.0.0.1:${await freePort()}/other`;
    const client = upstream(github, elsewhere);
    const secrets = createUpstreamTransactionSecrets();
    const response = await fetch(await client.authorizationUrl(secrets), { redirect: 'manual' });
    const returned = new URL(response.headers.get('location')!);
    expect(returned.origin + returned.pathname).toBe(callback);
    const error = await client.handleCallback(returned.searchParams, { state: secrets.state }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect(error).toMatchObject({ upstreamError: 'redirect_uri_mismatch', reason: 'error_response' });
  });

  it('GitHub Apps: expiring tokens, rotated refresh tokens, bad_refresh_token (R-08), no X-OAuth-Scopes', async () => {
    const client = upstream(apps);
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier);
    expect(tokens).toMatchObject({ expiresAtSource: 'upstream' });
    expect(tokens.expiresAt! - tokens.receivedAt).toBe(28800);
    expect(tokens.refreshTokenExpiresAt! - tokens.receivedAt).toBe(15897600);
    expect(tokens.accessToken).toMatch(/^ghu_/);
    expect((await client.identity(tokens)).upstreamScopes).toBeUndefined();

    const refreshed = await client.refresh(tokens.refreshToken!, {
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    });
    expect(refreshed).toMatchObject({ refreshTokenRotated: true });
    expect(refreshed.refreshToken).toMatch(/^ghr_/);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    const reused = await client.refresh(tokens.refreshToken!).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(UpstreamRejectedError);
    expect(reused).toMatchObject({ error: 'invalid_grant', upstreamError: 'bad_refresh_token', upstreamStatus: 200 });
    expect((await client.identity(refreshed)).subject).toBe('583231');
  });
});

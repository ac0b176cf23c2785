import { decodeJwt } from 'jose';
import {
  createUpstreamProvider,
  createUpstreamTransactionSecrets,
  UpstreamOAuthClient,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
  type OidcUpstreamOptions,
  type UpstreamTransactionSecrets,
} from '../lib/proxy/upstream/index.js';
import { startOidcUpstream, type OidcUpstream } from './fakes/oidc-upstream.js';
import { freePort } from './helpers/free-port.js';
import { approveAll, HeadlessBrowser } from './helpers/headless-browser.js';

/**
 * The `oidc` preset against panva's oidc-provider as a non-DCR upstream with one static
 * confidential client: discovery, an authorization URL the provider accepts (its PKCE, nonce,
 * RFC 9207 iss), code exchange, ID token verification, userinfo, refresh, revocation.
 */
describe('upstream oidc preset with oidc-provider', () => {
  let idp: OidcUpstream;
  let callback: string;
  let mcpUrl: string;

  beforeAll(async () => {
    const [callbackPort, mcpPort] = await Promise.all([freePort(), freePort()]);
    callback = `http://127.0.0.1:${callbackPort}/oauth/callback`;
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    idp = await startOidcUpstream({ redirectUri: callback, resources: [mcpUrl] });
  });
  afterAll(() => idp?.close());
  afterEach(() => idp.clearFaults());

  const upstream = (options: Partial<OidcUpstreamOptions> = {}) =>
    new UpstreamOAuthClient(
      createUpstreamProvider({
        provider: 'oidc',
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        additionalScopes: ['openid', 'offline_access'],
        defaultScopes: ['openid', 'email', 'profile'],
        // oidc-provider issues refresh tokens for offline_access only with prompt=consent.
        extraAuthorizeParams: { prompt: 'consent' },
        forwardResource: false,
        timeoutMs: 2000,
        ...options,
      } as OidcUpstreamOptions),
      { redirectUri: callback },
    );

  /** Runs the browser part: authorization URL → login → consent → redirect to the callback. */
  async function authorize(
    client: UpstreamOAuthClient,
    request: { scopes?: string[]; resource?: string } = {},
    browser = new HeadlessBrowser(approveAll({ username: 'alice', password: 'wonderland' })),
  ): Promise<{ secrets: UpstreamTransactionSecrets; returned: URL; authorizationUrl: URL }> {
    const secrets = createUpstreamTransactionSecrets();
    const authorizationUrl = await client.authorizationUrl({ ...secrets, ...request });
    const returned = await browser.authorize(authorizationUrl, callback);
    return { secrets, returned, authorizationUrl };
  }

  it('discovers the endpoints from the issuer metadata, including RFC 9207 support', async () => {
    expect(await upstream().endpoints()).toEqual({
      authorization: `${idp.issuer}/auth`,
      token: `${idp.issuer}/token`,
      revocation: `${idp.issuer}/token/revocation`,
      userinfo: `${idp.issuer}/me`,
      jwksUri: `${idp.issuer}/jwks`,
      authorizationResponseIss: true,
    });
  });

  it('completes authorize → callback → code exchange → ID token → refresh → revoke', async () => {
    const client = upstream();
    const { secrets, returned, authorizationUrl } = await authorize(client);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('scope')).toBe('openid email profile offline_access');
    expect(returned.searchParams.get('iss')).toBe(idp.issuer);

    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier, { scopes: ['openid', 'email', 'profile'] });
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      idToken: expect.any(String),
      expiresAtSource: 'upstream',
      scopes: ['openid', 'email', 'profile'],
      scopesReported: true,
    });
    expect(tokens.expiresAt! - tokens.receivedAt).toBe(600);

    const identity = await client.identity(tokens, { nonce: secrets.nonce });
    expect(identity).toMatchObject({
      subject: 'alice',
      source: 'id_token',
      claims: { iss: idp.issuer, aud: idp.clientId },
    });
    // Userinfo with the same access token agrees on the subject.
    const both = await upstream({ identity: 'id_token+userinfo' }).identity(tokens, { nonce: secrets.nonce });
    expect(both).toMatchObject({
      subject: 'alice',
      source: 'id_token+userinfo',
      claims: { email: 'alice@example.com' },
    });

    const refreshed = await client.refresh(tokens.refreshToken!, { scopes: tokens.scopes });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    // oidc-provider does not rotate a young refresh token of a confidential client; it echoes it.
    expect(refreshed).toMatchObject({ refreshToken: tokens.refreshToken, refreshTokenRotated: false });
    expect((await client.identity(refreshed)).subject).toBe('alice');
    expect((await client.identity({ accessToken: refreshed.accessToken })).source).toBe('userinfo');

    expect(await client.revoke(refreshed)).toEqual({ status: 'revoked', token: 'refresh_token' });
    const dead = await client.refresh(refreshed.refreshToken!).catch((error: unknown) => error);
    expect(dead).toBeInstanceOf(UpstreamRejectedError);
    expect(dead).toMatchObject({ error: 'invalid_grant', upstreamError: 'invalid_grant' });
    const gone = await client.identity({ accessToken: refreshed.accessToken }).catch((error: unknown) => error);
    expect(gone).toMatchObject({ error: 'invalid_token', status: 401 });
  });

  it('CB-08: refuses a callback whose iss names another issuer, or lacks it, before any exchange', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const tokenHits = idp.hits.get('/token') ?? 0;
    const forged = new URLSearchParams(returned.searchParams);
    forged.set('iss', 'https://evil.example');
    await expect(client.handleCallback(forged, { state: secrets.state })).rejects.toMatchObject({
      reason: 'issuer_mismatch',
    });
    forged.delete('iss');
    await expect(client.handleCallback(forged, { state: secrets.state })).rejects.toMatchObject({
      reason: 'issuer_mismatch',
    });
    expect(idp.hits.get('/token') ?? 0).toBe(tokenHits);
    // The genuine response still works.
    expect(await client.handleCallback(returned.searchParams, { state: secrets.state })).toEqual({
      code: returned.searchParams.get('code'),
    });
  });

  it('the proxy’s own PKCE verifier is checked upstream: another verifier fails as invalid_grant', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const other = createUpstreamTransactionSecrets().codeVerifier;
    await expect(client.exchangeCode(code, other)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a code is single use upstream', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    await client.exchangeCode(code, secrets.codeVerifier);
    await expect(client.exchangeCode(code, secrets.codeVerifier)).rejects.toBeInstanceOf(UpstreamRejectedError);
  });

  it('refuses an ID token whose nonce is not the transaction’s', async () => {
    const client = upstream();
    const { secrets, returned } = await authorize(client);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier);
    await expect(client.identity(tokens, { nonce: 'someone-elses-nonce' })).rejects.toMatchObject({
      reason: 'id_token',
    });
  });

  it('CB-06: a denial comes back as access_denied without the raw description', async () => {
    const client = upstream();
    const deny = new HeadlessBrowser((page) =>
      page.html.includes('password')
        ? { action: '/login', fields: { username: 'alice', password: 'wonderland' } }
        : { action: '/abort' },
    );
    const { secrets, returned } = await authorize(client, {}, deny);
    expect(returned.searchParams.get('error')).toBe('access_denied');
    const error = (await client
      .handleCallback(returned.searchParams, { state: secrets.state })
      .catch((e: unknown) => e)) as UpstreamRejectedError;
    expect(error).toBeInstanceOf(UpstreamRejectedError);
    expect(error.error).toBe('access_denied');
    expect(error.description).toBe('The user or the identity provider denied the authorization request');
    expect(error.upstreamDescription).toBe(' b user /b  said  no ');
  });

  it('forwards the RFC 8707 resource: the access token is bound to the MCP URL and verifiable locally', async () => {
    const client = upstream({ forwardResource: true, accessTokenAudience: mcpUrl });
    const { secrets, returned, authorizationUrl } = await authorize(client, {
      resource: mcpUrl,
      scopes: ['openid', 'notes:read'],
    });
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl);
    const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
    const tokens = await client.exchangeCode(code, secrets.codeVerifier, {
      resource: mcpUrl,
      scopes: ['openid', 'notes:read'],
    });
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ aud: mcpUrl, iss: idp.issuer, client_id: idp.clientId });
    expect(tokens.scopes).toEqual(['notes:read']);
    const verified = await client.verifyAccessToken(tokens.accessToken);
    expect(verified).toMatchObject({
      subject: 'alice',
      source: 'access_token',
      scopes: expect.arrayContaining(['notes:read']),
    });
    await expect(
      upstream({ accessTokenAudience: 'http://127.0.0.1:1/other' }).verifyAccessToken(tokens.accessToken),
    ).rejects.toMatchObject({
      error: 'invalid_token',
    });
  });

  describe('faults', () => {
    it('F-07: token endpoint drops the connection at exchange → transient', async () => {
      const client = upstream();
      const { secrets, returned } = await authorize(client);
      const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
      idp.fault({ path: '/token', dropConnection: true });
      const error = await client.exchangeCode(code, secrets.codeVerifier).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({ reason: 'connection', operation: 'token', status: 503 });
      expect((error as Error).message).not.toContain('127.0.0.1');
    });

    it.each([
      [503, { 'retry-after': '60' }, 60, 'unavailable'],
      [429, { 'retry-after': '60' }, 60, 'rate_limited'],
      [500, {}, 5, 'unavailable'],
    ])(
      'F-09 / R-09: refresh answered %i → transient (Retry-After %j), the same refresh token works once healed',
      async (status, headers, retryAfter, reason) => {
        const client = upstream();
        const { secrets, returned } = await authorize(client);
        const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
        const tokens = await client.exchangeCode(code, secrets.codeVerifier);
        idp.fault({ path: '/token', status, headers, body: '<html>maintenance</html>' });
        const error = await client.refresh(tokens.refreshToken!).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UpstreamTransientError);
        expect(error).toMatchObject({ retryAfterSeconds: retryAfter, reason, operation: 'refresh' });
        idp.clearFaults();
        expect((await client.refresh(tokens.refreshToken!)).accessToken).toEqual(expect.any(String));
      },
    );

    it('discovery while the upstream is down is transient; the next attempt after recovery works', async () => {
      const port = await freePort();
      const client = new UpstreamOAuthClient(
        createUpstreamProvider({ provider: 'oidc', issuer: `http://127.0.0.1:${port}`, clientId: 'x', timeoutMs: 500 }),
        { redirectUri: callback },
      );
      const error = await client.authorizationUrl(createUpstreamTransactionSecrets()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({ operation: 'discovery' });
    });

    it('F-10: an HTML 200 at the token endpoint fails closed', async () => {
      const client = upstream();
      const { secrets, returned } = await authorize(client);
      const { code } = await client.handleCallback(returned.searchParams, { state: secrets.state });
      idp.fault({
        path: '/token',
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html>Welcome</html>',
      });
      await expect(client.exchangeCode(code, secrets.codeVerifier)).rejects.toBeInstanceOf(UpstreamProtocolError);
    });
  });
});

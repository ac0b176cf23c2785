import { decodeJwt } from 'jose';
import { rawJwt } from '../helpers/jwt.js';
import { mint } from '../helpers/jwt.js';
import { testKey } from '../helpers/keys.js';
import {
  REDIRECT_URI,
  basicAuth,
  obtainUserTokens,
  postForm,
  registerClient,
  startServerApp,
  tokenRequest,
  type RegisteredClient,
  type ServerApp,
  type Tokens,
} from '../fixtures/server-app.js';

const RS_SECRET = 'resource-server-secret-0123456789-abcdef';
const RS2_SECRET = 'second-resource-server-secret-0123456789';
const M2M_SECRET = 'machine-secret-0123456789-abcdefghijklmno';

/**
 * RFC 7662 token introspection at level 4 (client-authenticated) and its interplay with RFC 7009
 * revocation. Every inactive answer is exactly `{ "active": false }` (§2.2: no reason given).
 */
describe('level 4: token introspection (RFC 7662)', () => {
  let server: ServerApp;
  /** A confidential DCR client that ran the authorization-code flow for alice. */
  let webClient: RegisteredClient;
  let userTokens: Tokens;

  beforeAll(async () => {
    server = await startServerApp({
      server: () => ({
        clients: [
          {
            clientId: 'rs-1',
            clientSecret: RS_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            tokenEndpointAuthMethod: 'client_secret_post',
          },
          { clientId: 'rs-2', clientSecret: RS2_SECRET, redirectUris: [], grantTypes: ['client_credentials'] },
          {
            clientId: 'm2m',
            clientSecret: M2M_SECRET,
            redirectUris: [],
            grantTypes: ['client_credentials'],
            scope: 'notes:read notes:write',
          },
          { clientId: 'pub-static', redirectUris: [REDIRECT_URI] },
        ],
      }),
    });
    webClient = await registerClient(server.origin, { token_endpoint_auth_method: 'client_secret_basic' });
    ({ tokens: userTokens } = await obtainUserTokens(server, { client: webClient, scope: 'notes:read notes:write' }));
  });
  afterAll(async () => server?.close());

  const introspectAs = (auth: 'rs-1' | 'rs-2' | 'web', form: Record<string, string>) => {
    if (auth === 'rs-1')
      return postForm(`${server.origin}/introspect`, { client_id: 'rs-1', client_secret: RS_SECRET, ...form });
    if (auth === 'rs-2')
      return postForm(`${server.origin}/introspect`, form, { authorization: basicAuth('rs-2', RS2_SECRET) });
    return postForm(`${server.origin}/introspect`, form, {
      authorization: basicAuth(webClient.client_id, webClient.client_secret!),
    });
  };
  const introspect = (token: string, extra: Record<string, string> = {}) => introspectAs('rs-1', { token, ...extra });

  async function expectInactive(token: string, extra: Record<string, string> = {}) {
    const answer = await introspect(token, extra);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ active: false });
    expect(answer.headers.get('cache-control')).toBe('no-store');
  }

  async function clientCredentialsToken(): Promise<string> {
    const answer = await tokenRequest(
      server.origin,
      { grant_type: 'client_credentials', scope: 'notes:read' },
      { authorization: basicAuth('m2m', M2M_SECRET) },
    );
    return answer.body.access_token as string;
  }

  describe('only authenticated confidential clients may introspect (401 otherwise)', () => {
    it.each([
      ['no client authentication', {}],
      ['a public static client (auth method none)', { client_id: 'pub-static' }],
      ['a public DCR client', 'dcr-public'],
      ['a wrong secret in the body', { client_id: 'rs-1', client_secret: `${RS_SECRET}x` }],
      ['an unknown client', { client_id: 'nobody', client_secret: RS_SECRET }],
    ] as Array<[string, Record<string, string> | 'dcr-public']>)(
      '%s: 401 invalid_client and nothing about the token',
      async (_name, credentials) => {
        const body =
          credentials === 'dcr-public' ? { client_id: (await registerClient(server.origin)).client_id } : credentials;
        const answer = await postForm(`${server.origin}/introspect`, { ...body, token: userTokens.access_token });
        expect(answer.status).toBe(401);
        expect(answer.body.error).toBe('invalid_client');
        expect(answer.body).not.toHaveProperty('active');
        expect(answer.headers.get('cache-control')).toBe('no-store');
      },
    );

    it('a wrong secret with Basic: 401 with a Basic challenge', async () => {
      const answer = await postForm(
        `${server.origin}/introspect`,
        { token: userTokens.access_token },
        { authorization: basicAuth('rs-2', `${RS2_SECRET}x`) },
      );
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(answer.body).not.toHaveProperty('active');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic realm="[^"]+"/);
    });

    it('GET is 405 and a JSON body is invalid_request (form bodies only)', async () => {
      const get = await fetch(`${server.origin}/introspect?token=${userTokens.access_token}`);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toContain('POST');
      const json = await fetch(`${server.origin}/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'rs-1', client_secret: RS_SECRET, token: userTokens.access_token }),
      });
      expect(json.status).toBe(400);
      expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('a missing token is invalid_request', async () => {
      const answer = await introspectAs('rs-1', {});
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_request');
    });
  });

  describe('active access tokens', () => {
    it('a user token: every RFC 7662 §2.2 field, equal to the token’s claims', async () => {
      const answer = await introspect(userTokens.access_token);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      const claims = decodeJwt(userTokens.access_token);
      expect(answer.body).toEqual({
        active: true,
        scope: 'notes:read notes:write',
        client_id: webClient.client_id,
        sub: 'alice',
        exp: claims.exp,
        iat: claims.iat,
        iss: server.origin,
        aud: server.mcpUrl,
        jti: claims.jti,
        token_type: 'Bearer',
      });
    });

    it('a client_credentials token, introspected by another resource server (Basic)', async () => {
      const token = await clientCredentialsToken();
      const answer = await introspectAs('rs-2', { token });
      expect(answer.body).toMatchObject({ active: true, sub: 'm2m', client_id: 'm2m', scope: 'notes:read' });
    });

    it('token_type_hint=refresh_token on an access token is only a hint: still found', async () => {
      const answer = await introspect(userTokens.access_token, { token_type_hint: 'refresh_token' });
      expect(answer.body).toMatchObject({ active: true, sub: 'alice' });
      const unknownHint = await introspect(userTokens.access_token, { token_type_hint: 'something_else' });
      expect(unknownHint.body).toMatchObject({ active: true });
    });
  });

  describe('everything else is { active: false } and nothing more', () => {
    it.each([
      ['garbage', 'not-a-token'],
      ['three dots of garbage', 'a.b.c'],
      ['an unsigned JWT (alg none)', rawJwt({ alg: 'none', typ: 'at+jwt' }, { sub: 'alice', scope: 'notes:write' })],
      ['a very long value', 'x'.repeat(4096)],
      ['an authorization-code-shaped secret', 'A'.repeat(43)],
    ])('%s', async (_name, token) => {
      await expectInactive(token);
      await expectInactive(token, { token_type_hint: 'refresh_token' });
    });

    it('a foreign token: our claims, signed by a key we do not publish', async () => {
      const foreignKey = await testKey('foreign', 'ES256');
      const nowSeconds = server.clock.seconds;
      const forged = await mint(
        { iss: server.origin, aud: server.mcpUrl, sub: 'alice', client_id: webClient.client_id, scope: 'notes:write' },
        { key: foreignKey },
        nowSeconds,
      );
      await expectInactive(forged);
    });

    it('a token of this server with one byte of its signature changed', async () => {
      const [h, p, s] = userTokens.access_token.split('.');
      const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
      await expectInactive(flipped);
    });

    it('a token of another level-4 server (its own keys) is not ours', async () => {
      const other = await startServerApp();
      try {
        const { tokens } = await obtainUserTokens(other);
        await expectInactive(tokens.access_token);
      } finally {
        await other.close();
      }
    });
  });

  describe('refresh tokens (token_type_hint=refresh_token)', () => {
    let client: RegisteredClient;
    let tokens: Tokens;
    beforeEach(async () => {
      client = await registerClient(server.origin, { token_endpoint_auth_method: 'client_secret_basic' });
      ({ tokens } = await obtainUserTokens(server, { client, scope: 'notes:read' }));
    });
    const asOwner = (token: string, extra: Record<string, string> = {}) =>
      postForm(
        `${server.origin}/introspect`,
        { token, ...extra },
        {
          authorization: basicAuth(client.client_id, client.client_secret!),
        },
      );
    const refresh = (refreshToken: string) =>
      tokenRequest(
        server.origin,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        { authorization: basicAuth(client.client_id, client.client_secret!) },
      );

    it('the client it was issued to sees it active, with or without the hint', async () => {
      const expected = {
        active: true,
        scope: 'notes:read',
        client_id: client.client_id,
        sub: 'alice',
        exp: expect.any(Number),
        iss: server.origin,
        aud: server.mcpUrl,
      };
      const hinted = await asOwner(tokens.refresh_token!, { token_type_hint: 'refresh_token' });
      expect(hinted.status).toBe(200);
      expect(hinted.body).toEqual(expected);
      // Refresh tokens live as long as their grant: 30 days by default.
      expect(hinted.body.exp as number).toBeGreaterThanOrEqual(server.clock.seconds + 30 * 86_400 - 5);
      expect((await asOwner(tokens.refresh_token!)).body).toEqual(expected);
      expect((await asOwner(tokens.refresh_token!, { token_type_hint: 'access_token' })).body).toEqual(expected);
    });

    it('another client (even a resource server) learns nothing about it', async () => {
      for (const as of ['rs-1', 'rs-2', 'web'] as const) {
        const answer = await introspectAs(as, { token: tokens.refresh_token!, token_type_hint: 'refresh_token' });
        expect(answer.body).toEqual({ active: false });
      }
    });

    it('after rotation the old refresh token is inactive and its successor active', async () => {
      const rotated = await refresh(tokens.refresh_token!);
      expect(rotated.status).toBe(200);
      expect((await asOwner(tokens.refresh_token!, { token_type_hint: 'refresh_token' })).body).toEqual({
        active: false,
      });
      expect(
        (await asOwner(rotated.body.refresh_token as string, { token_type_hint: 'refresh_token' })).body,
      ).toMatchObject({ active: true, sub: 'alice' });
    });
  });

  describe('revocation (RFC 7009) then introspection', () => {
    const revoke = (client: RegisteredClient, token: string, hint?: string) =>
      postForm(
        `${server.origin}/revoke`,
        { token, ...(hint ? { token_type_hint: hint } : {}) },
        { authorization: basicAuth(client.client_id, client.client_secret!) },
      );

    it('revoking the access token makes it, and the refresh token of its grant, inactive', async () => {
      const client = await registerClient(server.origin, { token_endpoint_auth_method: 'client_secret_basic' });
      const { tokens } = await obtainUserTokens(server, { client });
      expect((await introspect(tokens.access_token)).body.active).toBe(true);
      const revoked = await revoke(client, tokens.access_token, 'access_token');
      expect(revoked.status).toBe(200);
      await expectInactive(tokens.access_token);
      const asOwner = await postForm(
        `${server.origin}/introspect`,
        { token: tokens.refresh_token!, token_type_hint: 'refresh_token' },
        { authorization: basicAuth(client.client_id, client.client_secret!) },
      );
      expect(asOwner.body).toEqual({ active: false });
    });

    it('revoking the refresh token makes the access tokens of its grant inactive too', async () => {
      const client = await registerClient(server.origin, { token_endpoint_auth_method: 'client_secret_basic' });
      const { tokens } = await obtainUserTokens(server, { client });
      expect((await revoke(client, tokens.refresh_token!, 'refresh_token')).status).toBe(200);
      await expectInactive(tokens.access_token);
    });

    it('a client_credentials token revoked by its client is inactive', async () => {
      const token = await clientCredentialsToken();
      const revoked = await postForm(
        `${server.origin}/revoke`,
        { token },
        { authorization: basicAuth('m2m', M2M_SECRET) },
      );
      expect(revoked.status).toBe(200);
      await expectInactive(token);
    });

    it('a revocation request by another client does not revoke (RFC 7009 §2.1) and introspection still says active', async () => {
      const token = await clientCredentialsToken();
      const revoked = await postForm(
        `${server.origin}/revoke`,
        { token },
        { authorization: basicAuth('rs-2', RS2_SECRET) },
      );
      expect(revoked.status).toBe(200);
      expect((await introspect(token)).body).toMatchObject({ active: true, client_id: 'm2m' });
    });
  });

  // Last: moves the shared clock past every access token's lifetime.
  it('expired access tokens are inactive (the module clock passes exp)', async () => {
    const token = await clientCredentialsToken();
    expect((await introspect(token)).body.active).toBe(true);
    server.clock.advance(3600 + 10);
    await expectInactive(token);
    await expectInactive(userTokens.access_token);
  });
});

import { json, stubFetch, type StubCall } from '../../../test/fakes/stub-fetch.js';
import { createUpstreamProvider } from './create-upstream-provider.js';
import { UpstreamOAuthClient } from './upstream-oauth.client.js';
import { codeChallengeS256 } from './upstream-pkce.js';
import { UpstreamProtocolError, UpstreamRejectedError, UpstreamTransientError } from './upstream.errors.js';
import type { UpstreamProvider } from './upstream-provider.interface.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = { now: () => NOW };
const REDIRECT = 'https://mcp.example.com/oauth/callback';
const VERIFIER = 'v'.repeat(43);
const github = () => createUpstreamProvider({ provider: 'github', clientId: 'Iv1.abc', clientSecret: 'sec' });
const client = (provider: UpstreamProvider, handler: (call: StubCall) => Response | Promise<Response>) => {
  const stub = stubFetch(handler);
  return {
    upstream: new UpstreamOAuthClient(provider, { redirectUri: REDIRECT, clock, fetch: stub.fetch }),
    calls: stub.calls,
  };
};
const form = (call: StubCall) => Object.fromEntries(new URLSearchParams(call.body));
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('UpstreamOAuthClient', () => {
  describe('authorizationUrl', () => {
    it('uses the proxy’s own S256 challenge, the fixed callback and the default scopes', async () => {
      const { upstream, calls } = client(github(), () => json({}));
      const url = await upstream.authorizationUrl({
        state: 'st',
        codeVerifier: VERIFIER,
        resource: 'https://mcp.example.com/mcp',
        nonce: 'n',
      });
      expect(url.origin + url.pathname).toBe('https://github.com/login/oauth/authorize');
      expect(Object.fromEntries(url.searchParams)).toEqual({
        response_type: 'code',
        client_id: 'Iv1.abc',
        redirect_uri: REDIRECT,
        scope: 'read:user',
        state: 'st',
        code_challenge: codeChallengeS256(VERIFIER),
        code_challenge_method: 'S256',
      });
      expect(calls).toHaveLength(0);
    });

    it('refuses a missing state or a malformed verifier', async () => {
      const { upstream } = client(github(), () => json({}));
      await expect(upstream.authorizationUrl({ state: '', codeVerifier: VERIFIER })).rejects.toThrow(TypeError);
      await expect(upstream.authorizationUrl({ state: 's', codeVerifier: 'short' })).rejects.toThrow(TypeError);
    });

    it('keeps the endpoint’s own query and never lets extra parameters replace protocol ones', async () => {
      const provider: UpstreamProvider = {
        ...github(),
        endpoints: { authorization: 'https://idp.example/authorize?tenant=a', token: 'https://idp.example/token' },
        // Option validation refuses reserved names; the client also sets them last.
        extraAuthorizeParams: { state: 'evil', login_hint: 'alice', prompt: '' },
      };
      const url = await client(provider, () => json({})).upstream.authorizationUrl({
        state: 'st',
        codeVerifier: VERIFIER,
      });
      expect(url.searchParams.get('tenant')).toBe('a');
      expect(url.searchParams.get('state')).toBe('st');
      expect(url.searchParams.get('login_hint')).toBe('alice');
      expect(url.searchParams.has('prompt')).toBe(false);
    });
  });

  describe('exchangeCode', () => {
    it('POSTs the form with Accept: application/json and GitHub’s client_secret_post', async () => {
      const { upstream, calls } = client(github(), () =>
        json({ access_token: 'gho_1', scope: 'user', token_type: 'bearer' }),
      );
      const tokens = await upstream.exchangeCode('code1', VERIFIER, { scopes: ['read:user'] });
      const [call] = calls;
      expect(call.method).toBe('POST');
      expect(call.url.href).toBe('https://github.com/login/oauth/access_token');
      expect(call.headers.get('accept')).toBe('application/json');
      expect(call.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
      expect(call.headers.has('authorization')).toBe(false);
      expect(form(call)).toEqual({
        grant_type: 'authorization_code',
        code: 'code1',
        redirect_uri: REDIRECT,
        code_verifier: VERIFIER,
        client_id: 'Iv1.abc',
        client_secret: 'sec',
      });
      // GitHub normalizes `read:user` into the broader `user` it already had: still granted.
      expect(tokens).toEqual({
        accessToken: 'gho_1',
        tokenType: 'Bearer',
        expiresAtSource: 'none',
        scopes: ['read:user'],
        upstreamScopes: ['user'],
        scopesReported: true,
        receivedAt: NOW / 1000,
      });
    });

    it('records the narrower scopes the user granted', async () => {
      const { upstream } = client(github(), () => json({ access_token: 'gho_1', scope: 'gist', token_type: 'bearer' }));
      expect((await upstream.exchangeCode('c', VERIFIER, { scopes: ['repo', 'gist'] })).scopes).toEqual(['gist']);
    });

    it('client_secret_basic form-encodes the credentials before base64 (RFC 6749 §2.3.1)', async () => {
      const provider = createUpstreamProvider({
        provider: 'discord',
        clientId: 'id with:colon',
        clientSecret: 's&e+c',
      });
      const { upstream, calls } = client(provider, () =>
        json({ access_token: 'a', token_type: 'Bearer', expires_in: 604800 }),
      );
      await upstream.exchangeCode('c', VERIFIER);
      expect(calls[0].headers.get('authorization')).toBe(
        `Basic ${Buffer.from('id+with%3Acolon:s%26e%2Bc').toString('base64')}`,
      );
      expect(form(calls[0]).client_secret).toBeUndefined();
    });

    it('forwards resource only when the provider says so', async () => {
      const gh = client(github(), () => json({ access_token: 'a' }));
      await gh.upstream.exchangeCode('c', VERIFIER, { resource: 'https://mcp.example.com/mcp' });
      expect(form(gh.calls[0]).resource).toBeUndefined();
      const forwarding = client({ ...github(), forwardResource: true }, () => json({ access_token: 'a' }));
      await forwarding.upstream.exchangeCode('c', VERIFIER, { resource: 'https://mcp.example.com/mcp' });
      expect(form(forwarding.calls[0]).resource).toBe('https://mcp.example.com/mcp');
    });

    it('CB-09: GitHub’s 200 bad_verification_code is a rejection', async () => {
      const { upstream } = client(github(), () =>
        json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }),
      );
      expect(await rejection(upstream.exchangeCode('c', VERIFIER))).toBeInstanceOf(UpstreamRejectedError);
    });
  });

  describe('refresh', () => {
    it('R-10: keeps the previous refresh token and its expiry when none is returned', async () => {
      const { upstream, calls } = client(github(), () => json({ access_token: 'a2', expires_in: 60 }));
      const tokens = await upstream.refresh('rt1', { scopes: ['read:user'], refreshTokenExpiresAt: 123 });
      expect(form(calls[0])).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'rt1' });
      expect(form(calls[0]).scope).toBeUndefined();
      expect(tokens).toMatchObject({
        accessToken: 'a2',
        refreshToken: 'rt1',
        refreshTokenRotated: false,
        refreshTokenExpiresAt: 123,
        expiresAt: NOW / 1000 + 60,
        scopes: ['read:user'],
        scopesReported: false,
      });
    });

    it('an echoed refresh token is not a rotation and keeps its expiry', async () => {
      const { upstream } = client(github(), () => json({ access_token: 'a2', refresh_token: 'rt1' }));
      expect(await upstream.refresh('rt1', { refreshTokenExpiresAt: 77 })).toMatchObject({
        refreshToken: 'rt1',
        refreshTokenRotated: false,
        refreshTokenExpiresAt: 77,
      });
    });

    it('takes a rotated refresh token and its new lifetime', async () => {
      const { upstream } = client(github(), () =>
        json({ access_token: 'a2', refresh_token: 'rt2', refresh_token_expires_in: 100, expires_in: 28800 }),
      );
      expect(await upstream.refresh('rt1', { refreshTokenExpiresAt: 5 })).toMatchObject({
        refreshToken: 'rt2',
        refreshTokenRotated: true,
        refreshTokenExpiresAt: NOW / 1000 + 100,
      });
    });

    it('R-08 vs R-09: invalid_grant is permanent, 503 with Retry-After is transient', async () => {
      const dead = client(github(), () => json({ error: 'invalid_grant' }, 400));
      expect(await rejection(dead.upstream.refresh('rt'))).toMatchObject({ error: 'invalid_grant', retryable: false });
      const busy = client(github(), () => json({}, 503, { 'retry-after': '60' }));
      const error = await rejection(busy.upstream.refresh('rt'));
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({ retryAfterSeconds: 60, operation: 'refresh' });
    });

    it('Entra sends this API’s scopes plus OIDC scopes on refresh', async () => {
      const azure = createUpstreamProvider({
        provider: 'azure',
        clientId: 'c1',
        clientSecret: 's',
        tenant: 'organizations',
        defaultScopes: ['notes.read'],
        additionalScopes: ['User.Read'],
      });
      const { upstream, calls } = client(azure, () =>
        json({ access_token: 'a', token_type: 'Bearer', expires_in: 3600, scope: 'api://c1/notes.read openid' }),
      );
      const tokens = await upstream.refresh('rt', { scopes: ['notes.read'] });
      expect(form(calls[0]).scope).toBe('api://c1/notes.read openid profile offline_access');
      expect(tokens.scopes).toEqual(['notes.read']);
    });
  });

  describe('revoke (never throws, RV-07)', () => {
    it('GitHub: DELETE /applications/{client_id}/grant with Basic auth and the token in JSON', async () => {
      const { upstream, calls } = client(github(), () => new Response(null, { status: 204 }));
      expect(await upstream.revoke({ accessToken: 'gho_1' })).toEqual({ status: 'revoked', token: 'access_token' });
      const [call] = calls;
      expect(call.method).toBe('DELETE');
      expect(call.url.href).toBe('https://api.github.com/applications/Iv1.abc/grant');
      expect(call.headers.get('authorization')).toBe(`Basic ${Buffer.from('Iv1.abc:sec').toString('base64')}`);
      expect(JSON.parse(call.body)).toEqual({ access_token: 'gho_1' });
      expect(call.headers.get('x-github-api-version')).toBe('2022-11-28');
    });

    it.each([
      [422, { status: 'revoked', token: 'access_token', alreadyInvalid: true }],
      [404, { status: 'failed', retryable: false }],
      [503, { status: 'failed', retryable: true, retryAfterSeconds: 5 }],
    ])('GitHub %i → %j', async (status, outcome) => {
      const { upstream } = client(github(), () => json({ message: 'x' }, status));
      expect(await upstream.revoke({ accessToken: 'gho_1' })).toMatchObject(outcome);
    });

    it('a network failure is a retryable outcome, not an exception', async () => {
      const { upstream } = client(github(), () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      });
      const outcome = await upstream.revoke({ accessToken: 'gho_1' });
      expect(outcome).toMatchObject({ status: 'failed', retryable: true });
    });

    it('RFC 7009: revokes the refresh token (the grant) with client authentication', async () => {
      const provider = createUpstreamProvider({ provider: 'discord', clientId: 'c', clientSecret: 's' });
      const { upstream, calls } = client(provider, () => new Response('', { status: 200 }));
      expect(await upstream.revoke({ accessToken: 'a', refreshToken: 'r' })).toEqual({
        status: 'revoked',
        token: 'refresh_token',
      });
      expect(calls[0].url.href).toBe('https://discord.com/api/oauth2/token/revoke');
      expect(form(calls[0])).toEqual({ token: 'r', token_type_hint: 'refresh_token' });
      expect(await upstream.revoke({ accessToken: 'a' })).toEqual({ status: 'revoked', token: 'access_token' });
      expect(await upstream.revoke({})).toEqual({ status: 'skipped' });
    });

    it('RFC 7009 error bodies are failed outcomes with the upstream code kept', async () => {
      const provider = createUpstreamProvider({ provider: 'discord', clientId: 'c', clientSecret: 's' });
      const { upstream } = client(provider, () => json({ error: 'unsupported_token_type' }, 400));
      const outcome = await upstream.revoke({ accessToken: 'a' });
      expect(outcome).toMatchObject({ status: 'failed', retryable: false });
      expect(outcome.status === 'failed' && outcome.error.upstreamError).toBe('unsupported_token_type');
    });

    it('Entra has no revocation endpoint', async () => {
      const azure = createUpstreamProvider({
        provider: 'azure',
        clientId: 'c',
        tenant: 'common',
        defaultScopes: ['x'],
      });
      const { upstream, calls } = client(azure, () => json({}));
      expect(await upstream.revoke({ accessToken: 'a', refreshToken: 'r' })).toEqual({ status: 'unsupported' });
      expect(calls).toHaveLength(0);
    });
  });

  describe('identity: GitHub', () => {
    const user = { login: 'octocat', id: 1, name: 'The Octocat', email: null, avatar_url: 'https://a', plan: { x: 1 } };

    it('subject = numeric id; scopes from X-OAuth-Scopes, expanded', async () => {
      const { upstream, calls } = client(github(), () => json(user, 200, { 'x-oauth-scopes': 'user, gist' }));
      const identity = await upstream.identity({ accessToken: 'gho_1' });
      expect(identity).toMatchObject({
        subject: '1',
        source: 'github',
        claims: { id: 1, login: 'octocat', name: 'The Octocat', email: null, avatar_url: 'https://a' },
        upstreamScopes: ['user', 'gist'],
      });
      expect(identity.claims).not.toHaveProperty('plan');
      expect(identity.scopes).toEqual(expect.arrayContaining(['read:user', 'user:email', 'gist']));
      expect(calls[0].url.href).toBe('https://api.github.com/user');
      expect(calls[0].headers.get('authorization')).toBe('Bearer gho_1');
      expect(calls[0].headers.get('user-agent')).toBe('nestjs-mcp-auth');
    });

    it('an empty X-OAuth-Scopes means no scopes; a missing one means unknown (GitHub App tokens)', async () => {
      expect(
        (
          await client(github(), () => json(user, 200, { 'x-oauth-scopes': '' })).upstream.identity({
            accessToken: 't',
          })
        ).upstreamScopes,
      ).toEqual([]);
      expect(
        (await client(github(), () => json(user)).upstream.identity({ accessToken: 't' })).upstreamScopes,
      ).toBeUndefined();
    });

    it.each([
      ['no id', { login: 'x' }],
      ['a string id', { id: '1' }],
      ['id 0', { id: 0 }],
      ['a fractional id', { id: 1.5 }],
    ])('CB-11: %s → no identity', async (_name, body) => {
      const error = await rejection(client(github(), () => json(body)).upstream.identity({ accessToken: 't' }));
      expect(error).toBeInstanceOf(UpstreamProtocolError);
      expect(error).toMatchObject({ reason: 'missing_subject' });
    });

    it('F-11: 401 means the token is invalid; 500 means try later', async () => {
      const bad = await rejection(
        client(github(), () => json({ message: 'Bad credentials' }, 401)).upstream.identity({ accessToken: 't' }),
      );
      expect(bad).toBeInstanceOf(UpstreamRejectedError);
      expect(bad).toMatchObject({ error: 'invalid_token', status: 401 });
      const down = await rejection(client(github(), () => json({}, 500)).upstream.identity({ accessToken: 't' }));
      expect(down).toBeInstanceOf(UpstreamTransientError);
    });

    it('a rate-limit 403 is transient until the reset time', async () => {
      const reset = String(NOW / 1000 + 42);
      const error = await rejection(
        client(github(), () =>
          json({ message: 'API rate limit exceeded' }, 403, {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': reset,
          }),
        ).upstream.identity({ accessToken: 't' }),
      );
      expect(error).toMatchObject({ reason: 'rate_limited', retryAfterSeconds: 42 });
    });

    it('a plain 403 and malformed JSON are protocol failures', async () => {
      expect(
        await rejection(client(github(), () => json({}, 403)).upstream.identity({ accessToken: 't' })),
      ).toBeInstanceOf(UpstreamProtocolError);
      expect(
        await rejection(client(github(), () => json('{"id":1')).upstream.identity({ accessToken: 't' })),
      ).toMatchObject({ reason: 'malformed_response' });
    });
  });

  describe('identity: Discord', () => {
    const discord = () => createUpstreamProvider({ provider: 'discord', clientId: '123', clientSecret: 's' });
    const me = (overrides = {}) => ({
      application: { id: '123', name: 'app' },
      scopes: ['identify'],
      expires: '2026-01-08T12:00:00.000000+00:00',
      user: { id: '80351110224678912', username: 'nelly', global_name: 'Nelly' },
      ...overrides,
    });

    it('reads /oauth2/@me', async () => {
      const { upstream, calls } = client(discord(), () => json(me()));
      expect(await upstream.identity({ accessToken: 't' })).toMatchObject({
        subject: '80351110224678912',
        source: 'discord',
        upstreamScopes: ['identify'],
        scopes: ['identify'],
        expiresAt: Date.UTC(2026, 0, 8, 12) / 1000,
        claims: { username: 'nelly' },
      });
      expect(calls[0].url.href).toBe('https://discord.com/api/oauth2/@me');
    });

    it('refuses a token issued to another application', async () => {
      const error = await rejection(
        client(discord(), () => json(me({ application: { id: '999' } }))).upstream.identity({ accessToken: 't' }),
      );
      expect(error).toMatchObject({ error: 'invalid_token' });
    });

    it('CB-11: no user (no identify scope) → no identity', async () => {
      expect(
        await rejection(client(discord(), () => json(me({ user: undefined }))).upstream.identity({ accessToken: 't' })),
      ).toMatchObject({
        reason: 'missing_subject',
      });
    });
  });

  it('CB-11: a custom resolver returning an empty subject fails', async () => {
    const provider: UpstreamProvider = {
      ...github(),
      identity: { kind: 'custom', resolve: async () => ({ subject: '', claims: {}, source: 'custom' }) },
    };
    expect(await rejection(client(provider, () => json({})).upstream.identity({ accessToken: 't' }))).toMatchObject({
      reason: 'missing_subject',
    });
  });

  it('verifyAccessToken refuses when the provider has no local verification', async () => {
    expect(await rejection(client(github(), () => json({})).upstream.verifyAccessToken('t'))).toMatchObject({
      error: 'invalid_token',
    });
  });
});

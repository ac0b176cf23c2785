import { SignJWT, type JWTPayload } from 'jose';
import { JwksServer } from '../../../../test/helpers/jwks-server.js';
import { testKey, type TestKey } from '../../../../test/helpers/keys.js';
import { json, stubFetch, type StubCall } from '../../../../test/fakes/stub-fetch.js';
import { UpstreamOAuthClient } from '../upstream-oauth.client.js';
import { UpstreamProtocolError, UpstreamRejectedError, UpstreamTransientError } from '../upstream.errors.js';
import type { OidcIdentityConfig, UpstreamProvider } from '../upstream-provider.interface.js';
import { identityScopeMapping } from '../upstream-scopes.js';
import { ENTRA_CONSUMERS_TENANT, entraIssuerAccepted } from './oidc.identity.js';

const ISSUER = 'https://idp.example';
const CLIENT = 'proxy-client';
const NOW_S = Math.floor(Date.now() / 1000);

let jwks: JwksServer;
let k1: TestKey;
let kx: TestKey;
let es: TestKey;

beforeAll(async () => {
  [k1, kx, es] = await Promise.all([testKey('k1'), testKey('kx'), testKey('es', 'ES256')]);
  jwks = await new JwksServer().start([k1.publicJwk, es.publicJwk]);
});
afterAll(() => jwks.stop());
beforeEach(() => {
  jwks.behaviour = {};
});

const provider = (
  identity: Partial<OidcIdentityConfig> = {},
  extra: Partial<UpstreamProvider> = {},
): UpstreamProvider => ({
  name: 'test',
  clientId: CLIENT,
  clientSecret: 's',
  clientAuthMethod: 'client_secret_basic',
  endpoints: {
    authorization: `${ISSUER}/authorize`,
    token: `${ISSUER}/token`,
    userinfo: `${ISSUER}/userinfo`,
    jwksUri: jwks.url,
  },
  issuer: ISSUER,
  discovery: false,
  scopes: { mapping: identityScopeMapping, defaultScopes: ['openid'], additionalScopes: [], separator: / +/ },
  extraAuthorizeParams: {},
  extraTokenParams: {},
  forwardResource: false,
  revocation: { kind: 'none' },
  identity: { kind: 'oidc', mode: 'id_token', algorithms: ['RS256'], clockToleranceSeconds: 30, ...identity },
  timeoutMs: 2000,
  ...extra,
});

const idToken = (claims: JWTPayload = {}, key: TestKey = k1, omit: string[] = []) => {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: CLIENT,
    sub: 'u1',
    iat: NOW_S,
    exp: NOW_S + 300,
    nonce: 'n1',
    email: 'u1@example.com',
    ...claims,
  };
  for (const name of omit) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
};

const client = (
  p: UpstreamProvider,
  handler: (call: StubCall) => Response = () => json({ sub: 'u1', name: 'User One' }),
) => {
  const stub = stubFetch(handler);
  return {
    upstream: new UpstreamOAuthClient(p, { redirectUri: 'https://mcp.example/cb', fetch: stub.fetch }),
    calls: stub.calls,
  };
};
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('OIDC identity from the ID token', () => {
  it('verifies it and returns its subject and claims without protocol members', async () => {
    const { upstream, calls } = client(provider());
    const identity = await upstream.identity(
      { accessToken: 'at', idToken: await idToken({ at_hash: 'x' }) },
      { nonce: 'n1' },
    );
    expect(identity).toMatchObject({
      subject: 'u1',
      source: 'id_token',
      claims: { iss: ISSUER, sub: 'u1', email: 'u1@example.com' },
    });
    expect(identity.claims).not.toHaveProperty('nonce');
    expect(identity.claims).not.toHaveProperty('at_hash');
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['another audience', { aud: 'someone-else' }],
    ['another issuer', { iss: 'https://evil.example' }],
    ['a wrong nonce', { nonce: 'n2' }],
    ['expired', { exp: NOW_S - 3600, iat: NOW_S - 7200 }],
    ['several audiences without azp', { aud: [CLIENT, 'other'] }],
    ['several audiences with a foreign azp', { aud: [CLIENT, 'other'], azp: 'other' }],
    ['a foreign azp', { azp: 'other' }],
  ])('refuses an ID token with %s', async (_name, claims) => {
    const error = await rejection(
      client(provider()).upstream.identity({ accessToken: 'at', idToken: await idToken(claims) }, { nonce: 'n1' }),
    );
    expect(error).toBeInstanceOf(UpstreamProtocolError);
    expect(error).toMatchObject({ reason: 'id_token', error: 'server_error' });
  });

  it('accepts several audiences when azp is our client', async () => {
    const token = await idToken({ aud: [CLIENT, 'other'], azp: CLIENT });
    expect(
      (await client(provider()).upstream.identity({ accessToken: 'at', idToken: token }, { nonce: 'n1' })).subject,
    ).toBe('u1');
  });

  it('refuses a missing nonce when one was sent, and ignores nonce after a refresh', async () => {
    const without = await idToken({}, k1, ['nonce']);
    expect(
      await rejection(client(provider()).upstream.identity({ accessToken: 'at', idToken: without }, { nonce: 'n1' })),
    ).toMatchObject({
      reason: 'id_token',
    });
    expect((await client(provider()).upstream.identity({ accessToken: 'at', idToken: without })).subject).toBe('u1');
  });

  it.each([
    ['signed by a key outside the JWKS', () => idToken({}, kx)],
    ['signed with an algorithm not accepted', () => idToken({}, es)],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses an ID token %s', async (_name, make) => {
    expect(
      await rejection(client(provider()).upstream.identity({ accessToken: 'at', idToken: await make() })),
    ).toMatchObject({
      reason: 'id_token',
    });
  });

  it('CB-11: an empty sub is no identity', async () => {
    expect(
      await rejection(client(provider()).upstream.identity({ accessToken: 'at', idToken: await idToken({ sub: '' }) })),
    ).toMatchObject({
      reason: 'missing_subject',
    });
  });

  it('requires configured claim values (Cognito token_use, Google hd)', async () => {
    const p = provider({ requiredClaims: { token_use: 'id' } });
    expect(
      await rejection(
        client(p).upstream.identity({ accessToken: 'at', idToken: await idToken({ token_use: 'access' }) }),
      ),
    ).toMatchObject({
      reason: 'id_token',
    });
    expect(
      (await client(p).upstream.identity({ accessToken: 'at', idToken: await idToken({ token_use: 'id' }) })).subject,
    ).toBe('u1');
  });

  it('accepts an issuer alias listed in the identity config (Google)', async () => {
    const p = provider({ issuers: [ISSUER, 'idp.example'] });
    expect(
      (await client(p).upstream.identity({ accessToken: 'at', idToken: await idToken({ iss: 'idp.example' }) }))
        .subject,
    ).toBe('u1');
  });

  it('a JWKS endpoint that is down makes it transient, not invalid', async () => {
    jwks.behaviour = { status: 503 };
    const p = provider(
      {},
      { endpoints: { ...provider().endpoints, jwksUri: jwks.url.replace('/jwks', '/jwks?fresh=1') } },
    );
    const error = await rejection(client(p).upstream.identity({ accessToken: 'at', idToken: await idToken() }));
    expect(error).toBeInstanceOf(UpstreamTransientError);
  });
});

describe('OIDC identity from userinfo', () => {
  it('falls back to userinfo when a token set has no ID token (after a refresh)', async () => {
    const { upstream, calls } = client(provider());
    expect(await upstream.identity({ accessToken: 'at' })).toMatchObject({
      subject: 'u1',
      source: 'userinfo',
      claims: { name: 'User One' },
    });
    expect(calls[0].url.href).toBe(`${ISSUER}/userinfo`);
    expect(calls[0].headers.get('authorization')).toBe('Bearer at');
  });

  it('without an ID token or a userinfo endpoint there is no identity', async () => {
    const p = provider({}, { endpoints: { authorization: 'https://a/x', token: 'https://a/t', jwksUri: jwks.url } });
    expect(await rejection(client(p).upstream.identity({ accessToken: 'at' }))).toMatchObject({
      reason: 'not_configured',
    });
  });

  it('id_token+userinfo: subjects must match (OIDC Core §5.3.2); claims are merged', async () => {
    const p = provider({ mode: 'id_token+userinfo' });
    const merged = await client(p).upstream.identity({ accessToken: 'at', idToken: await idToken() }, { nonce: 'n1' });
    expect(merged).toMatchObject({
      subject: 'u1',
      source: 'id_token+userinfo',
      claims: { name: 'User One', email: 'u1@example.com' },
    });
    const error = await rejection(
      client(p, () => json({ sub: 'u2' })).upstream.identity(
        { accessToken: 'at', idToken: await idToken() },
        { nonce: 'n1' },
      ),
    );
    expect(error).toMatchObject({ reason: 'id_token' });
  });

  it('userinfo mode ignores the ID token', async () => {
    const { upstream, calls } = client(provider({ mode: 'userinfo' }));
    expect((await upstream.identity({ accessToken: 'at', idToken: 'garbage' }, { nonce: 'n' })).source).toBe(
      'userinfo',
    );
    expect(calls).toHaveLength(1);
  });

  it.each([
    ['no sub', () => json({ name: 'x' }), 'missing_subject'],
    ['an empty sub', () => json({ sub: '' }), 'missing_subject'],
    [
      'a signed JWT answer',
      () => new Response('a.b.c', { headers: { 'content-type': 'application/jwt' } }),
      'malformed_response',
    ],
  ])('userinfo with %s fails closed', async (_name, handler, reason) => {
    expect(
      await rejection(client(provider({ mode: 'userinfo' }), handler).upstream.identity({ accessToken: 'at' })),
    ).toMatchObject({ reason });
  });

  it('F-11: userinfo 401 is an invalid token, 502 is transient', async () => {
    const p = provider({ mode: 'userinfo' });
    expect(
      await rejection(client(p, () => json({ error: 'invalid_token' }, 401)).upstream.identity({ accessToken: 'at' })),
    ).toBeInstanceOf(UpstreamRejectedError);
    expect(await rejection(client(p, () => json({}, 502)).upstream.identity({ accessToken: 'at' }))).toBeInstanceOf(
      UpstreamTransientError,
    );
  });
});

describe('Entra issuer rule', () => {
  const T1 = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const T2 = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  const authority = 'https://login.microsoftonline.com';
  const claims = (tid: string, iss = `${authority}/${tid}/v2.0`) => ({ tid, iss });
  it.each([
    [T1, claims(T1), true],
    [T1, claims(T2), false],
    [T1.toUpperCase(), claims(T1), true],
    ['organizations', claims(T2), true],
    ['organizations', claims(ENTRA_CONSUMERS_TENANT), false],
    ['consumers', claims(ENTRA_CONSUMERS_TENANT), true],
    ['consumers', claims(T1), false],
    ['common', claims(ENTRA_CONSUMERS_TENANT), true],
    ['common', claims(T1), true],
    ['common', claims(T1, `${authority}/${T2}/v2.0`), false],
    ['common', claims(T1, `${authority}/${T1}/`), false],
    ['common', { tid: 'not-a-guid', iss: `${authority}/not-a-guid/v2.0` }, false],
    ['common', { iss: `${authority}/${T1}/v2.0` }, false],
  ])('tenant %s, %j → %p', (tenant, payload, accepted) => {
    expect(entraIssuerAccepted({ authority, tenant }, payload)).toBe(accepted);
  });

  it('allowedTenants narrows a multi-tenant value', () => {
    expect(entraIssuerAccepted({ authority, tenant: 'organizations', allowedTenants: [T1] }, claims(T1))).toBe(true);
    expect(entraIssuerAccepted({ authority, tenant: 'organizations', allowedTenants: [T1] }, claims(T2))).toBe(false);
  });

  it('is applied to ID tokens by the client', async () => {
    const p = provider({ entra: { authority, tenant: 'organizations' } });
    const good = await idToken({ iss: `${authority}/${T1}/v2.0`, tid: T1 });
    expect((await client(p).upstream.identity({ accessToken: 'at', idToken: good })).subject).toBe('u1');
    const personal = await idToken({ iss: `${authority}/${ENTRA_CONSUMERS_TENANT}/v2.0`, tid: ENTRA_CONSUMERS_TENANT });
    expect(await rejection(client(p).upstream.identity({ accessToken: 'at', idToken: personal }))).toMatchObject({
      reason: 'id_token',
    });
  });
});

describe('local access-token verification', () => {
  const cognito = () =>
    provider(
      {},
      {
        accessTokenVerification: {
          issuers: [ISSUER],
          clientIdClaim: 'client_id',
          requiredClaims: { token_use: 'access' },
          algorithms: ['RS256'],
          clockToleranceSeconds: 30,
        },
      },
    );
  const accessToken = (claims: JWTPayload) =>
    idToken(
      { client_id: CLIENT, token_use: 'access', scope: 'openid notes/read', ...claims },
      k1,
      claims.aud === undefined ? ['aud', 'nonce'] : ['nonce'],
    );

  it('checks the client_id claim (Cognito access tokens have no aud) and token_use', async () => {
    const identity = await client(cognito()).upstream.verifyAccessToken(await accessToken({}));
    expect(identity).toMatchObject({
      subject: 'u1',
      source: 'access_token',
      scopes: ['openid', 'notes/read'],
      expiresAt: NOW_S + 300,
    });
    for (const claims of [{ client_id: 'other' }, { token_use: 'id' }, { iss: 'https://evil.example' }]) {
      expect(await rejection(client(cognito()).upstream.verifyAccessToken(await accessToken(claims)))).toMatchObject({
        error: 'invalid_token',
      });
    }
  });

  it('checks the audience when one is configured (Auth0 API)', async () => {
    const p = provider(
      {},
      {
        accessTokenVerification: {
          issuers: [ISSUER],
          audience: 'https://api',
          algorithms: ['RS256'],
          clockToleranceSeconds: 0,
        },
      },
    );
    expect(
      (await client(p).upstream.verifyAccessToken(await accessToken({ aud: ['https://api', `${ISSUER}/userinfo`] })))
        .subject,
    ).toBe('u1');
    expect(
      await rejection(client(p).upstream.verifyAccessToken(await accessToken({ aud: 'https://other' }))),
    ).toBeInstanceOf(UpstreamRejectedError);
  });
});

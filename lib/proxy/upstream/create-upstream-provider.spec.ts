import { jest } from '@jest/globals';
import { McpAuthConfigurationError } from '../../core/errors/configuration.error.js';
import {
  createUpstreamProvider,
  validateUpstreamOptions,
  type UpstreamProviderOptions,
} from './create-upstream-provider.js';
import { UpstreamOAuthClient } from './upstream-oauth.client.js';

const REDIRECT = 'https://mcp.example.com/oauth/callback';
const VERIFIER = 'v'.repeat(43);
const MCP = 'https://mcp.example.com/mcp';

async function authorize(options: UpstreamProviderOptions, scopes?: string[]) {
  const client = new UpstreamOAuthClient(createUpstreamProvider(options), { redirectUri: REDIRECT });
  const url = await client.authorizationUrl({
    state: 'st',
    codeVerifier: VERIFIER,
    scopes,
    resource: MCP,
    nonce: 'n1',
  });
  return { url, params: Object.fromEntries(url.searchParams), endpoint: `${url.origin}${url.pathname}` };
}

/** Answers OpenID Connect discovery for the issuers of the discovery-based presets. */
function stubDiscovery(documents: Record<string, Record<string, unknown>>) {
  return jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
    const document = documents[String(input)];
    return document
      ? new Response(JSON.stringify(document), { status: 200, headers: { 'content-type': 'application/json' } })
      : new Response('not found', { status: 404 });
  });
}

afterEach(() => jest.restoreAllMocks());

describe('presets: authorization URLs', () => {
  it('github', async () => {
    const { endpoint, params } = await authorize({
      provider: 'github',
      clientId: 'gh',
      clientSecret: 's',
      allowSignup: false,
    });
    expect(endpoint).toBe('https://github.com/login/oauth/authorize');
    expect(params).toMatchObject({
      client_id: 'gh',
      scope: 'read:user',
      allow_signup: 'false',
      code_challenge_method: 'S256',
    });
    expect(params.resource).toBeUndefined();
    expect(params.nonce).toBeUndefined();
  });

  it('github enterprise server base URLs', async () => {
    const provider = createUpstreamProvider({
      provider: 'github',
      clientId: 'gh',
      clientSecret: 's',
      baseUrl: 'https://ghe.example.com/',
      apiBaseUrl: 'https://ghe.example.com/api/v3',
    });
    expect(provider.endpoints).toEqual({
      authorization: 'https://ghe.example.com/login/oauth/authorize',
      token: 'https://ghe.example.com/login/oauth/access_token',
    });
    expect(provider.revocation).toEqual({
      kind: 'github-grant',
      url: 'https://ghe.example.com/api/v3/applications/gh/grant',
    });
    expect(provider.identity).toEqual({ kind: 'github', apiBaseUrl: 'https://ghe.example.com/api/v3' });
  });

  it('google: access_type=offline, prompt=consent, nonce, openid, no resource', async () => {
    const { endpoint, params } = await authorize({
      provider: 'google',
      clientId: 'g.apps.googleusercontent.com',
      clientSecret: 's',
      hostedDomain: 'example.com',
    });
    expect(endpoint).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(params).toMatchObject({
      access_type: 'offline',
      prompt: 'consent',
      hd: 'example.com',
      nonce: 'n1',
      scope: 'openid email profile',
    });
    expect(params.resource).toBeUndefined();
  });

  it('google: user parameters override the preset, an empty string removes one', async () => {
    const { params } = await authorize({
      provider: 'google',
      clientId: 'g',
      extraAuthorizeParams: { prompt: '', login_hint: 'a@b.c' },
    });
    expect(params.prompt).toBeUndefined();
    expect(params).toMatchObject({ access_type: 'offline', login_hint: 'a@b.c' });
  });

  it('azure: v2 endpoint, api:// prefixed scopes, offline_access, resource stripped', async () => {
    const { endpoint, params } = await authorize(
      {
        provider: 'azure',
        clientId: 'c1',
        clientSecret: 's',
        tenant: 'contoso'.length ? '72f988bf-86f1-41af-91ab-2d7cd011db47' : '',
        defaultScopes: ['notes.read'],
        additionalScopes: ['User.Read'],
      },
      ['notes.read', 'notes.write'],
    );
    expect(endpoint).toBe(
      'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize',
    );
    expect(params.scope).toBe('api://c1/notes.read api://c1/notes.write openid profile offline_access User.Read');
    expect(params.prompt).toBe('select_account');
    expect(params.resource).toBeUndefined();
  });

  it('azure: custom identifier URI and sovereign authority', async () => {
    const { endpoint, params } = await authorize({
      provider: 'azure',
      clientId: 'c1',
      tenant: 'organizations',
      authority: 'https://login.microsoftonline.us',
      identifierUri: 'https://api.contoso.com',
      defaultScopes: ['read'],
    });
    expect(endpoint).toBe('https://login.microsoftonline.us/organizations/oauth2/v2.0/authorize');
    expect(params.scope).toBe('https://api.contoso.com/read openid profile offline_access');
  });

  it('discord', async () => {
    const { endpoint, params } = await authorize({ provider: 'discord', clientId: 'd', clientSecret: 's' });
    expect(endpoint).toBe('https://discord.com/oauth2/authorize');
    expect(params.scope).toBe('identify');
  });

  it('cognito with its domain: hosted UI endpoints, resource forwarded', async () => {
    stubDiscovery({
      'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123/.well-known/openid-configuration': {
        issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123',
        authorization_endpoint: 'https://ignored.example/oauth2/authorize',
        token_endpoint: 'https://ignored.example/oauth2/token',
        jwks_uri: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123/.well-known/jwks.json',
      },
    });
    const { endpoint, params } = await authorize({
      provider: 'cognito',
      clientId: 'c',
      region: 'eu-central-1',
      userPoolId: 'eu-central-1_Abc123',
      domain: 'https://auth.example.com',
    });
    expect(endpoint).toBe('https://auth.example.com/oauth2/authorize');
    expect(params).toMatchObject({ scope: 'openid email profile', resource: MCP, nonce: 'n1' });
  });

  it('cognito without a domain reads the endpoints from the user pool discovery document', async () => {
    const issuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Xyz';
    const spy = stubDiscovery({
      [`${issuer}/.well-known/openid-configuration`]: {
        issuer,
        authorization_endpoint: 'https://pool.auth.us-east-1.amazoncognito.com/oauth2/authorize',
        token_endpoint: 'https://pool.auth.us-east-1.amazoncognito.com/oauth2/token',
        revocation_endpoint: 'https://pool.auth.us-east-1.amazoncognito.com/oauth2/revoke',
        jwks_uri: `${issuer}/.well-known/jwks.json`,
      },
    });
    const { endpoint } = await authorize({
      provider: 'cognito',
      clientId: 'c',
      region: 'us-east-1',
      userPoolId: 'us-east-1_Xyz',
    });
    expect(endpoint).toBe('https://pool.auth.us-east-1.amazoncognito.com/oauth2/authorize');
    expect(spy.mock.calls.map(([url]) => String(url))).toContain(`${issuer}/.well-known/openid-configuration`);
  });

  it('auth0: audience, offline_access, discovery from the domain', async () => {
    stubDiscovery({
      'https://tenant.eu.auth0.com/.well-known/openid-configuration': {
        issuer: 'https://tenant.eu.auth0.com/',
        authorization_endpoint: 'https://tenant.eu.auth0.com/authorize',
        token_endpoint: 'https://tenant.eu.auth0.com/oauth/token',
        jwks_uri: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      },
    });
    const { endpoint, params } = await authorize({
      provider: 'auth0',
      clientId: 'a',
      clientSecret: 's',
      domain: 'https://tenant.eu.auth0.com',
      audience: 'https://api.example.com',
    });
    expect(endpoint).toBe('https://tenant.eu.auth0.com/authorize');
    expect(params).toMatchObject({ audience: 'https://api.example.com', scope: 'openid profile email offline_access' });
    expect(params.resource).toBeUndefined();
  });

  it('oidc: discovery, resource forwarded, configured endpoints win', async () => {
    stubDiscovery({
      'https://idp.example/.well-known/openid-configuration': {
        issuer: 'https://idp.example',
        authorization_endpoint: 'https://idp.example/auth',
        token_endpoint: 'https://idp.example/token',
      },
    });
    const discovered = await authorize({
      provider: 'oidc',
      issuer: 'https://idp.example',
      clientId: 'o',
      clientSecret: 's',
    });
    expect(discovered.endpoint).toBe('https://idp.example/auth');
    expect(discovered.params).toMatchObject({ scope: 'openid', resource: MCP, nonce: 'n1' });
    const overridden = await authorize({
      provider: 'oidc',
      issuer: 'https://idp.example',
      clientId: 'o',
      authorizationEndpoint: 'https://login.example/authorize',
    });
    expect(overridden.endpoint).toBe('https://login.example/authorize');
  });

  it('oidc: metadata for another issuer is refused (mix-up)', async () => {
    stubDiscovery({
      'https://idp.example/.well-known/openid-configuration': {
        issuer: 'https://evil.example',
        authorization_endpoint: 'https://evil.example/auth',
        token_endpoint: 'https://evil.example/token',
      },
    });
    await expect(authorize({ provider: 'oidc', issuer: 'https://idp.example', clientId: 'o' })).rejects.toMatchObject({
      code: 'ERR_MCP_AUTH_UPSTREAM_PROTOCOL',
      operation: 'discovery',
    });
  });

  it('oidc: https metadata may not point to http endpoints', async () => {
    stubDiscovery({
      'https://idp.example/.well-known/openid-configuration': {
        issuer: 'https://idp.example',
        authorization_endpoint: 'http://idp.example/auth',
        token_endpoint: 'https://idp.example/token',
      },
    });
    await expect(authorize({ provider: 'oidc', issuer: 'https://idp.example', clientId: 'o' })).rejects.toMatchObject({
      reason: 'malformed_response',
    });
  });
});

describe('presets: defaults', () => {
  it.each([
    [{ provider: 'github', clientId: 'c', clientSecret: 's' }, 'client_secret_post', false],
    [{ provider: 'google', clientId: 'c', clientSecret: 's' }, 'client_secret_post', false],
    [
      { provider: 'azure', clientId: 'c', clientSecret: 's', tenant: 'common', defaultScopes: ['x'] },
      'client_secret_post',
      false,
    ],
    [
      { provider: 'cognito', clientId: 'c', clientSecret: 's', region: 'eu-west-1', userPoolId: 'eu-west-1_a' },
      'client_secret_basic',
      true,
    ],
    [
      { provider: 'auth0', clientId: 'c', clientSecret: 's', domain: 'https://t.auth0.com' },
      'client_secret_post',
      false,
    ],
    [{ provider: 'discord', clientId: 'c', clientSecret: 's' }, 'client_secret_basic', false],
    [
      { provider: 'oidc', clientId: 'c', clientSecret: 's', issuer: 'https://idp.example' },
      'client_secret_basic',
      true,
    ],
    [{ provider: 'oidc', clientId: 'c', issuer: 'https://idp.example' }, 'none', true],
  ] as const)('%j → %s, forwardResource %p, timeout 10 s', (options, method, forward) => {
    const provider = createUpstreamProvider(options as UpstreamProviderOptions);
    expect(provider.clientAuthMethod).toBe(method);
    expect(provider.forwardResource).toBe(forward);
    expect(provider.timeoutMs).toBe(10_000);
  });

  it('cognito: issuer from region and pool, client_id claim on access tokens', () => {
    const provider = createUpstreamProvider({
      provider: 'cognito',
      clientId: 'c',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_a',
    });
    expect(provider.issuer).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_a');
    expect(provider.accessTokenVerification).toMatchObject({
      clientIdClaim: 'client_id',
      requiredClaims: { token_use: 'access' },
    });
    expect(provider.identity).toMatchObject({ kind: 'oidc', requiredClaims: { token_use: 'id' } });
  });

  it('azure: multi-tenant issuer rule, JWKS of the tenant, no revocation', () => {
    const provider = createUpstreamProvider({
      provider: 'azure',
      clientId: 'c',
      tenant: 'organizations',
      defaultScopes: ['x'],
      allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
    });
    expect(provider.issuer).toBeUndefined();
    expect(provider.endpoints.jwksUri).toBe('https://login.microsoftonline.com/organizations/discovery/v2.0/keys');
    expect(provider.identity).toMatchObject({
      entra: {
        authority: 'https://login.microsoftonline.com',
        tenant: 'organizations',
        allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
      },
    });
    expect(provider.revocation).toEqual({ kind: 'none' });
  });
});

describe('option validation', () => {
  const problems = (options: unknown) => validateUpstreamOptions(options);

  it.each([
    [
      { provider: 'gitlab', clientId: 'c' },
      'upstream.provider: must be one of github, google, azure, cognito, auth0, discord, oidc',
    ],
    [{ provider: 'github', clientId: 'c' }, 'upstream.clientSecret: must be a string'],
    [
      { provider: 'github', clientId: '', clientSecret: 's' },
      'upstream.clientId: must be longer than or equal to 1 characters',
    ],
    [
      { provider: 'github', clientId: 'c', clientSecret: 's', clientSecrte: 'x' },
      'upstream.clientSecrte: unknown option',
    ],
    [
      { provider: 'github', clientId: 'c', clientSecret: 's', timeoutMs: 60_000 },
      'upstream.timeoutMs: must not be greater than 10000',
    ],
    [
      { provider: 'github', clientId: 'c', clientSecret: 's', baseUrl: 'ftp://x' },
      'upstream.baseUrl: must be an absolute http(s) URL without userinfo or fragment or query',
    ],
    [
      { provider: 'azure', clientId: 'c', tenant: 'contoso.com', defaultScopes: ['x'] },
      'upstream.tenant: must be a tenant GUID, organizations, common or consumers',
    ],
    [
      { provider: 'azure', clientId: 'c', tenant: 'common' },
      'upstream.defaultScopes: must be an array of scope tokens (printable ASCII without space, " or \\)',
    ],
    [
      { provider: 'azure', clientId: 'c', tenant: 'common', defaultScopes: [] },
      'upstream.defaultScopes: should not be empty',
    ],
    [
      { provider: 'azure', clientId: 'c', tenant: 'common', defaultScopes: ['x'], forwardResource: true },
      'upstream.forwardResource: Entra v2 endpoints refuse the resource parameter; it is always stripped',
    ],
    [
      { provider: 'cognito', clientId: 'c', region: 'mars', userPoolId: 'x' },
      'upstream.region: must be an AWS region such as eu-central-1',
    ],
    [
      { provider: 'oidc', clientId: 'c', issuer: 'https://i', tokenEndpointAuthMethod: 'client_secret_basic' },
      'upstream.tokenEndpointAuthMethod: client_secret_basic needs a clientSecret',
    ],
    [
      { provider: 'oidc', clientId: 'c', issuer: 'https://i', algorithms: ['HS256'] },
      'upstream.algorithms: each value in algorithms must be one of the following values: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519',
    ],
    [
      { provider: 'oidc', clientId: 'c', issuer: 'https://i', defaultScopes: ['a b'] },
      'upstream.defaultScopes: must be an array of scope tokens (printable ASCII without space, " or \\)',
    ],
  ])('%j', (options, problem) => {
    expect(problems(options)).toContain(problem);
  });

  it.each(['state', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'client_id', 'scope', 'resource'])(
    'extra parameters may not set %s',
    (name) => {
      expect(
        problems({ provider: 'github', clientId: 'c', clientSecret: 's', extraAuthorizeParams: { [name]: 'x' } })[0],
      ).toMatch(/^upstream\.extraAuthorizeParams: must be an object of string values and must not set/);
      expect(
        problems({ provider: 'github', clientId: 'c', clientSecret: 's', extraTokenParams: { [name]: 'x' } }),
      ).toHaveLength(1);
    },
  );

  it('extra parameter values must be strings', () => {
    expect(
      problems({ provider: 'github', clientId: 'c', clientSecret: 's', extraAuthorizeParams: { a: 1 } }),
    ).toHaveLength(1);
  });

  it('createUpstreamProvider throws one configuration error naming every problem', () => {
    let error: unknown;
    try {
      createUpstreamProvider({ provider: 'github', clientId: '' } as never, 'proxy.upstream');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(McpAuthConfigurationError);
    expect([...(error as McpAuthConfigurationError).problems].sort()).toEqual([
      'proxy.upstream.clientId: must be longer than or equal to 1 characters',
      'proxy.upstream.clientSecret: must be a string',
      'proxy.upstream.clientSecret: must be longer than or equal to 1 characters',
    ]);
  });
});

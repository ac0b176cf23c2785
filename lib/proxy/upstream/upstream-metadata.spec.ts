import { jest } from '@jest/globals';
import { createUpstreamProvider } from './create-upstream-provider.js';
import { UpstreamMetadataResolver } from './upstream-metadata.js';
import { UpstreamProtocolError, UpstreamTransientError } from './upstream.errors.js';

const ISSUER = 'https://idp.example';
const DOCUMENT = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/jwks`,
  authorization_response_iss_parameter_supported: true,
};

let now = 0;
const clock = { now: () => now };
let answer: () => Response;
let fetchSpy: jest.SpiedFunction<typeof fetch>;

beforeEach(() => {
  now = Date.UTC(2026, 0, 1);
  answer = () => new Response(JSON.stringify(DOCUMENT), { status: 200 });
  fetchSpy = jest
    .spyOn(globalThis, 'fetch')
    .mockImplementation(async (input) =>
      String(input).endsWith('/.well-known/openid-configuration') ? answer() : new Response('', { status: 404 }),
    );
});
afterEach(() => jest.restoreAllMocks());

const oidc = () =>
  new UpstreamMetadataResolver(createUpstreamProvider({ provider: 'oidc', issuer: ISSUER, clientId: 'c' }), clock);
const discoveryFetches = () =>
  fetchSpy.mock.calls.filter(([url]) => String(url).endsWith('/.well-known/openid-configuration')).length;

describe('UpstreamMetadataResolver', () => {
  it('static providers never touch the network', async () => {
    const github = new UpstreamMetadataResolver(
      createUpstreamProvider({ provider: 'github', clientId: 'c', clientSecret: 's' }),
      clock,
    );
    expect(await github.resolve(['revocation'])).toEqual({
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      authorizationResponseIss: false,
    });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('google needs discovery only for its JWKS', async () => {
    const google = new UpstreamMetadataResolver(createUpstreamProvider({ provider: 'google', clientId: 'c' }), clock);
    await google.resolve();
    await google.resolve(['revocation', 'userinfo']);
    expect(fetchSpy).not.toHaveBeenCalled();
    answer = () =>
      new Response(JSON.stringify({ ...DOCUMENT, issuer: 'https://accounts.google.com' }), { status: 200 });
    expect((await google.resolve(['jwksUri'])).jwksUri).toBe(`${ISSUER}/jwks`);
    expect(fetchSpy).toHaveBeenCalled();
  });

  it('reads every endpoint and RFC 9207 support, once per hour', async () => {
    const resolver = oidc();
    expect(await resolver.resolve()).toEqual({
      authorization: `${ISSUER}/authorize`,
      token: `${ISSUER}/token`,
      revocation: `${ISSUER}/revoke`,
      userinfo: `${ISSUER}/userinfo`,
      jwksUri: `${ISSUER}/jwks`,
      authorizationResponseIss: true,
    });
    await Promise.all([resolver.resolve(), resolver.resolve()]);
    expect(discoveryFetches()).toBe(1);
    now += 3_600_001;
    await resolver.resolve();
    expect(discoveryFetches()).toBe(2);
  });

  it('coalesces concurrent first fetches', async () => {
    const resolver = oidc();
    await Promise.all([resolver.resolve(), resolver.resolve(), resolver.resolve()]);
    expect(discoveryFetches()).toBe(1);
  });

  it('an unreachable issuer is transient and is not retried for ten seconds', async () => {
    answer = () => new Response('', { status: 503 });
    const resolver = oidc();
    await expect(resolver.resolve()).rejects.toBeInstanceOf(UpstreamTransientError);
    const before = discoveryFetches();
    await expect(resolver.resolve()).rejects.toBeInstanceOf(UpstreamTransientError);
    expect(discoveryFetches()).toBe(before);
    answer = () => new Response(JSON.stringify(DOCUMENT), { status: 200 });
    now += 10_001;
    expect((await resolver.resolve()).token).toBe(`${ISSUER}/token`);
  });

  it('keeps serving the last good document when a later refresh fails', async () => {
    const resolver = oidc();
    await resolver.resolve();
    now += 3_600_001;
    answer = () => new Response('', { status: 500 });
    expect((await resolver.resolve()).token).toBe(`${ISSUER}/token`);
  });

  it.each([
    ['another issuer', { ...DOCUMENT, issuer: 'https://evil.example' }],
    ['no token endpoint', { ...DOCUMENT, token_endpoint: undefined }],
    ['a non-URL endpoint', { ...DOCUMENT, userinfo_endpoint: 'javascript:alert(1)' }],
    ['an endpoint with userinfo', { ...DOCUMENT, token_endpoint: 'https://user:pw@idp.example/token' }],
  ])('refuses metadata with %s', async (_name, document) => {
    answer = () => new Response(JSON.stringify(document), { status: 200 });
    await expect(oidc().resolve()).rejects.toBeInstanceOf(UpstreamProtocolError);
  });
});

import { OAuthEndpointError } from '../../oauth.errors.js';
import type { ClientRegistrationPolicy } from '../client-registration.policy.js';
import { compileRedirectUriPattern } from '../redirect-uri-pattern.util.js';
import { clientFromMetadataDocument } from './metadata-document-client.js';

const URL_ID = 'https://client.example/oauth/client.json';
const policy: ClientRegistrationPolicy = {
  allowLocalhost: true,
  scopesSupported: ['mcp:read'],
  allowClientCredentials: true,
  allowPrivateKeyJwt: false,
};
const GOOD = {
  client_id: URL_ID,
  client_name: 'Example MCP client',
  redirect_uris: ['http://127.0.0.1/callback', 'https://client.example/callback'],
  client_uri: 'https://client.example/',
  scope: 'mcp:read admin',
};

function reasonOf(document: unknown, clientId = URL_ID, p = policy): string {
  try {
    clientFromMetadataDocument(document, clientId, p, 1);
  } catch (error) {
    if (error instanceof OAuthEndpointError && error.error === 'invalid_client' && error.status === 401)
      return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('clientFromMetadataDocument', () => {
  it('turns a valid document into a public client', () => {
    expect(clientFromMetadataDocument(GOOD, URL_ID, policy, 1_700_000_000)).toEqual({
      clientId: URL_ID,
      source: 'metadata-document',
      clientIdIssuedAt: 1_700_000_000,
      redirectUris: GOOD.redirect_uris,
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'none',
      applicationType: 'web',
      clientName: 'Example MCP client',
      clientUri: 'https://client.example/',
      scope: 'mcp:read',
    });
  });

  it('accepts private_key_jwt with public keys', () => {
    const document = {
      ...GOOD,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
    };
    expect(clientFromMetadataDocument(document, URL_ID, policy, 1).tokenEndpointAuthMethod).toBe('private_key_jwt');
  });

  describe('D-26: bad documents', () => {
    it.each([
      ['not an object', [GOOD], 'must be a JSON object'],
      ['null', null, 'must be a JSON object'],
      ['client_id missing', { ...GOOD, client_id: undefined }, 'client_id must equal the document URL exactly'],
      [
        'client_id with the default port',
        { ...GOOD, client_id: 'https://client.example:443/oauth/client.json' },
        'client_id must equal the document URL exactly',
      ],
      [
        'client_id with a trailing slash',
        { ...GOOD, client_id: `${URL_ID}/` },
        'client_id must equal the document URL exactly',
      ],
      [
        'client_id in upper case',
        { ...GOOD, client_id: URL_ID.toUpperCase() },
        'client_id must equal the document URL exactly',
      ],
      [
        'another client_id',
        { ...GOOD, client_id: 'https://evil.example/c.json' },
        'client_id must equal the document URL exactly',
      ],
      ['a client_secret', { ...GOOD, client_secret: 's' }, 'must not contain a client_secret'],
      [
        'client_secret_basic',
        { ...GOOD, token_endpoint_auth_method: 'client_secret_basic' },
        'token_endpoint_auth_method must be none or private_key_jwt',
      ],
      [
        'client_secret_post',
        { ...GOOD, token_endpoint_auth_method: 'client_secret_post' },
        'token_endpoint_auth_method must be none or private_key_jwt',
      ],
      [
        'private jwks',
        {
          ...GOOD,
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'private' }] },
        },
        'jwks must contain public keys only (private key material found)',
      ],
      [
        'private_key_jwt without keys',
        { ...GOOD, token_endpoint_auth_method: 'private_key_jwt' },
        'token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri',
      ],
      ['no client_name', { ...GOOD, client_name: undefined }, 'client_name is required'],
      ['no redirect_uris', { ...GOOD, redirect_uris: [] }, 'redirect_uris is required'],
      ['redirect_uris not an array', { ...GOOD, redirect_uris: 'http://127.0.0.1/cb' }, 'redirect_uris is required'],
      [
        'a bad redirect URI',
        { ...GOOD, redirect_uris: ['javascript:alert(1)'] },
        'redirect_uris[0] must not use the javascript: scheme',
      ],
      [
        'client_credentials',
        { ...GOOD, grant_types: ['client_credentials'] },
        'grant_types: client_credentials is not enabled',
      ],
      ['implicit', { ...GOOD, response_types: ['token'] }, 'response_types: "token" is not supported (only "code")'],
    ])('%s', (_name, document, reason) => {
      expect(reasonOf(document)).toBe(`Client metadata document: ${reason}`);
    });
  });

  it('applies the allow-list patterns of the policy', () => {
    const restricted = { ...policy, allowedRedirectUris: ['http://127.0.0.1/**'].map(compileRedirectUriPattern) };
    expect(reasonOf(GOOD, URL_ID, restricted)).toBe(
      "Client metadata document: redirect_uris[1] is not allowed by this server's redirect URI policy",
    );
  });

  it('never copies __proto__', () => {
    const document: unknown = JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(GOOD).slice(1)}`);
    const client = clientFromMetadataDocument(document, URL_ID, policy, 1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.stringify(client)).not.toContain('polluted');
  });
});

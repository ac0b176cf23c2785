import { OAuthEndpointError } from '../oauth.errors.js';
import type { ClientRegistrationPolicy } from './client-registration.policy.js';
import { compileRedirectUriPattern } from './redirect-uri-pattern.util.js';
import { validateClientRegistration } from './validate-client-registration.js';

const policy: ClientRegistrationPolicy = {
  allowLocalhost: true,
  scopesSupported: ['mcp:read', 'mcp:write'],
  allowClientCredentials: false,
  allowPrivateKeyJwt: false,
};

/** Baseline D-00 of the security catalog. */
const D00 = {
  redirect_uris: ['http://127.0.0.1:5555/cb'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 't',
};

const RSA_PUBLIC = { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k1' };

/** The OAuth error a call throws (fails the test when it does not throw one). */
function errorOf(body: unknown, p: ClientRegistrationPolicy = policy): { error: string; message: string } {
  try {
    validateClientRegistration(body, p);
  } catch (error) {
    if (error instanceof OAuthEndpointError) return { error: error.error, message: error.message };
    throw error;
  }
  throw new Error('expected the registration to be refused');
}

describe('validateClientRegistration', () => {
  it('D-00: normalises the baseline registration', () => {
    expect(validateClientRegistration(D00, policy)).toEqual({
      redirectUris: ['http://127.0.0.1:5555/cb'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'none',
      applicationType: 'native',
      clientName: 't',
    });
  });

  it('applies RFC 7591 defaults: client_secret_basic, both grants (our choice), code', () => {
    const metadata = validateClientRegistration({ redirect_uris: ['https://app.example/cb'] }, policy);
    expect(metadata.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(metadata.grantTypes).toEqual(['authorization_code', 'refresh_token']);
    expect(metadata.responseTypes).toEqual(['code']);
    expect(metadata.applicationType).toBe('web');
  });

  it('keeps the SDK client and mcp-remote registrations working', () => {
    const sdkV1 = {
      redirect_uris: ['http://localhost:3334/oauth/callback'],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'MCP CLI Proxy',
      client_uri: 'https://github.com/modelcontextprotocol/mcp-cli',
      software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d',
      software_version: '0.1.38',
      scope: 'mcp:read openid',
    };
    expect(validateClientRegistration(sdkV1, policy)).toMatchObject({
      applicationType: 'native',
      clientUri: 'https://github.com/modelcontextprotocol/mcp-cli',
      scope: 'mcp:read',
      softwareVersion: '0.1.38',
    });
  });

  describe('application_type (web versus native)', () => {
    it('SDK v1 registers loopback URIs without application_type: accepted (inferred native)', () => {
      expect(
        validateClientRegistration({ ...D00, token_endpoint_auth_method: undefined }, policy).applicationType,
      ).toBe('native');
    });

    it('web may use https and loopback http', () => {
      const body = {
        ...D00,
        application_type: 'web',
        redirect_uris: ['https://app.example/cb', 'http://127.0.0.1/cb'],
      };
      expect(validateClientRegistration(body, policy).applicationType).toBe('web');
    });

    it('web may not use a private-use scheme', () => {
      const body = { ...D00, application_type: 'web', redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'] };
      expect(errorOf(body)).toEqual({
        error: 'invalid_redirect_uri',
        message: expect.stringMatching(/^redirect_uris\[0\] uses a private-use scheme/),
      });
    });

    it('native may use loopback and private-use schemes (Cursor, P13), not https', () => {
      const cursor = {
        ...D00,
        application_type: 'native',
        redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'],
      };
      expect(validateClientRegistration(cursor, policy).redirectUris).toEqual(cursor.redirect_uris);
      const https = { ...D00, application_type: 'native', redirect_uris: ['https://app.example/cb'] };
      expect(errorOf(https)).toEqual({
        error: 'invalid_redirect_uri',
        message: expect.stringMatching(/native client/),
      });
    });

    it('without application_type, a mix of https and private-use schemes is a web client, so refused', () => {
      const body = { ...D00, redirect_uris: ['https://app.example/cb', 'myapp://cb'] };
      expect(errorOf(body).message).toMatch(/^redirect_uris\[1\] uses a private-use scheme/);
    });

    it('refuses other application_type values', () => {
      expect(errorOf({ ...D00, application_type: 'browser' })).toEqual({
        error: 'invalid_client_metadata',
        message: 'application_type must be "web" or "native"',
      });
    });
  });

  describe('D-01 … D-04: redirect URIs are checked, the index is named', () => {
    it.each(['javascript:alert(1)', 'http://evil.example/cb', 'https://client.example/cb#f', 'https://a@b.example/cb'])(
      '%s',
      (uri) => {
        expect(errorOf({ ...D00, redirect_uris: ['http://127.0.0.1:5555/cb', uri] })).toEqual({
          error: 'invalid_redirect_uri',
          message: expect.stringMatching(/^redirect_uris\[1\] /),
        });
      },
    );

    it('checks the allow-list patterns when configured', () => {
      const restricted = { ...policy, allowedRedirectUris: ['http://127.0.0.1/**'].map(compileRedirectUriPattern) };
      expect(validateClientRegistration(D00, restricted).redirectUris).toEqual(D00.redirect_uris);
      expect(errorOf({ ...D00, redirect_uris: ['http://localhost:1/cb'] }, restricted)).toEqual({
        error: 'invalid_redirect_uri',
        message: "redirect_uris[0] is not allowed by this server's redirect URI policy",
      });
    });

    it('redirect_uris is required for the authorization code grant', () => {
      expect(errorOf({ ...D00, redirect_uris: [] }).error).toBe('invalid_redirect_uri');
      expect(errorOf({ client_name: 'x' })).toEqual({
        error: 'invalid_redirect_uri',
        message: 'redirect_uris is required for the authorization_code grant',
      });
    });

    it('removes duplicate redirect URIs', () => {
      const body = { ...D00, redirect_uris: ['http://127.0.0.1/cb', 'http://127.0.0.1/cb'] };
      expect(validateClientRegistration(body, policy).redirectUris).toEqual(['http://127.0.0.1/cb']);
    });
  });

  describe('D-05: type confusion', () => {
    it.each([
      ['http://127.0.0.1:5555/cb'],
      [[null]],
      [[123]],
      [[['x']]],
      [[{ href: 'http://127.0.0.1:5555/cb' }]],
      [{ 0: 'http://127.0.0.1:5555/cb' }],
      [true],
    ])('redirect_uris = %j', (value) => {
      expect(errorOf({ ...D00, redirect_uris: value })).toEqual({
        error: 'invalid_redirect_uri',
        message: 'redirect_uris must be an array of strings',
      });
    });

    it.each([
      ['client_name', 42, 'client_name must be a string'],
      ['grant_types', 'authorization_code', 'grant_types must be an array of strings'],
      ['grant_types', [1], 'grant_types must be an array of strings'],
      ['response_types', 'code', 'response_types must be an array of strings'],
      ['token_endpoint_auth_method', ['none'], 'token_endpoint_auth_method must be a string'],
      ['scope', ['mcp:read'], 'scope must be a string'],
      ['contacts', 'a@example.com', 'contacts must be an array of strings'],
      ['jwks', 'x', 'jwks must be a JWK Set object'],
      ['logo_uri', { href: 'https://x' }, 'logo_uri must be a string'],
    ])('%s = %j', (member, value, message) => {
      expect(errorOf({ ...D00, [member]: value })).toEqual({ error: 'invalid_client_metadata', message });
    });

    it('treats null members as absent', () => {
      expect(validateClientRegistration({ ...D00, client_name: null, scope: null }, policy)).not.toHaveProperty(
        'clientName',
      );
    });
  });

  describe('D-06: the body must be a JSON object', () => {
    it.each([[null], [[]], ['s'], [1], [undefined], [true]])('%j', (body) => {
      expect(errorOf(body)).toEqual({
        error: 'invalid_client_metadata',
        message: 'The registration request must be a JSON object',
      });
    });
  });

  it('D-07: never copies __proto__ or constructor, and pollutes nothing', () => {
    const body: unknown = JSON.parse(
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"redirect_uris":["http://127.0.0.1:5555/cb"],"token_endpoint_auth_method":"none"}',
    );
    const metadata = validateClientRegistration(body, policy);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.hasOwn(metadata, '__proto__')).toBe(false);
    expect(Object.hasOwn(metadata, 'constructor')).toBe(false);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(JSON.stringify(metadata)).not.toMatch(/isAdmin|polluted/);
  });

  describe('D-08: size caps', () => {
    it.each([
      [{ client_name: 'x'.repeat(1_000_000) }, 'invalid_client_metadata', 'client_name must be at most 255 characters'],
      [
        { redirect_uris: Array.from({ length: 10_000 }, (_, i) => `http://127.0.0.1/cb${i}`) },
        'invalid_redirect_uri',
        'redirect_uris must list at most 10 URIs',
      ],
      [
        { redirect_uris: [`http://127.0.0.1/${'a'.repeat(100_000)}`] },
        'invalid_redirect_uri',
        'redirect_uris must contain URIs of at most 2048 characters',
      ],
      [{ scope: 'a '.repeat(1000) }, 'invalid_client_metadata', 'scope must be at most 1000 characters'],
      [{ contacts: ['a', 'b', 'c', 'd', 'e', 'f'] }, 'invalid_client_metadata', 'contacts must list at most 5 values'],
      [{ software_id: 'x'.repeat(256) }, 'invalid_client_metadata', 'software_id must be at most 255 characters'],
    ])('%#', (override, error, message) => {
      expect(errorOf({ ...D00, ...override })).toEqual({ error, message });
    });

    it('accepts exactly 10 redirect URIs and a 255-character name', () => {
      const uris = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1/cb${i}`);
      const metadata = validateClientRegistration(
        { ...D00, redirect_uris: uris, client_name: 'n'.repeat(255) },
        policy,
      );
      expect(metadata.redirectUris).toHaveLength(10);
    });
  });

  it('D-09: ignores client-chosen identifiers and secrets', () => {
    const metadata = validateClientRegistration(
      {
        ...D00,
        client_id: 'admin',
        client_secret: 'x',
        client_id_issued_at: 0,
        client_secret_expires_at: 0,
        registration_access_token: 'x',
        registration_client_uri: 'https://evil.example/',
      },
      policy,
    );
    expect(JSON.stringify(metadata)).not.toMatch(/admin|registration|client_secret|clientSecret|clientId/);
  });

  describe('D-10: grant and response types are refused, never filtered', () => {
    it.each([
      [['password'], 'grant_types: "password" is not supported (use authorization_code, refresh_token)'],
      [['implicit'], 'grant_types: "implicit" is not supported (use authorization_code, refresh_token)'],
      [
        ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        'grant_types: "urn:ietf:params:oauth:grant-type:jwt-bearer" is not supported (use authorization_code, refresh_token)',
      ],
      [['client_credentials'], 'grant_types: client_credentials is not enabled'],
      [['refresh_token'], 'grant_types: refresh_token requires authorization_code'],
      [[], 'grant_types must not be empty'],
    ])('grant_types %j', (grantTypes, message) => {
      expect(errorOf({ ...D00, grant_types: grantTypes })).toEqual({ error: 'invalid_client_metadata', message });
    });

    it('client_credentials: only when allowed, and only for confidential clients', () => {
      const allowing = { ...policy, allowClientCredentials: true };
      expect(errorOf({ ...D00, grant_types: ['client_credentials'] }, allowing).message).toBe(
        'grant_types: client_credentials requires a confidential client (not auth method none)',
      );
      const m2m = { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' };
      expect(validateClientRegistration(m2m, allowing)).toMatchObject({
        grantTypes: ['client_credentials'],
        responseTypes: [],
        redirectUris: [],
      });
    });

    it.each([
      [['token'], 'response_types: "token" is not supported (only "code")'],
      [['code id_token'], 'response_types: "code id_token" is not supported (only "code")'],
      [['code', 'token'], 'response_types: "token" is not supported (only "code")'],
      [[], 'response_types and grant_types disagree: "code" goes with authorization_code (RFC 7591 section 2.1)'],
    ])('response_types %j', (responseTypes, message) => {
      expect(errorOf({ ...D00, response_types: responseTypes })).toEqual({ error: 'invalid_client_metadata', message });
    });
  });

  describe('D-11: token_endpoint_auth_method', () => {
    it.each(['client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'bogus', ''])('%j is refused', (method) => {
      expect(errorOf({ ...D00, token_endpoint_auth_method: method })).toEqual({
        error: 'invalid_client_metadata',
        message: `token_endpoint_auth_method ${JSON.stringify(method)} is not supported (use none, client_secret_basic, client_secret_post)`,
      });
    });

    it.each(['client_secret_basic', 'client_secret_post', 'none'])('%s is accepted', (method) => {
      expect(
        validateClientRegistration({ ...D00, token_endpoint_auth_method: method }, policy).tokenEndpointAuthMethod,
      ).toBe(method);
    });

    describe('private_key_jwt when the policy allows it', () => {
      const allowing = { ...policy, allowPrivateKeyJwt: true };
      const base = { ...D00, token_endpoint_auth_method: 'private_key_jwt' };

      it('needs jwks or jwks_uri', () => {
        expect(errorOf(base, allowing).message).toBe(
          'token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri',
        );
      });

      it('stores public jwks or an https jwks_uri, never both', () => {
        expect(validateClientRegistration({ ...base, jwks: { keys: [RSA_PUBLIC] } }, allowing).jwks).toEqual({
          keys: [RSA_PUBLIC],
        });
        expect(validateClientRegistration({ ...base, jwks_uri: 'https://app.example/jwks' }, allowing).jwksUri).toBe(
          'https://app.example/jwks',
        );
        expect(
          errorOf({ ...base, jwks: { keys: [RSA_PUBLIC] }, jwks_uri: 'https://app.example/jwks' }, allowing).message,
        ).toBe('jwks and jwks_uri must not both be present (RFC 7591 section 2)');
      });

      it.each([
        [{ keys: [{ ...RSA_PUBLIC, d: 'secret' }] }, 'jwks must contain public keys only (private key material found)'],
        [{ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, 'jwks must contain RSA, EC or OKP public keys'],
        [{ keys: [] }, 'jwks must be a JWK Set with 1 to 10 keys'],
        [{ keys: 'x' }, 'jwks must be a JWK Set with 1 to 10 keys'],
        [{ keys: [null] }, 'jwks must contain JWK objects'],
      ])('refuses jwks %j', (jwks, message) => {
        expect(errorOf({ ...base, jwks }, allowing)).toEqual({ error: 'invalid_client_metadata', message });
      });

      it('jwks_uri must be https and is never fetched (D-12)', () => {
        expect(errorOf({ ...base, jwks_uri: 'http://127.0.0.1:4999/jwks' }, allowing).message).toBe(
          'jwks_uri must be an https URL',
        );
      });
    });

    it('drops keys of clients that do not use private_key_jwt', () => {
      const metadata = validateClientRegistration({ ...D00, jwks_uri: 'https://app.example/jwks' }, policy);
      expect(metadata).not.toHaveProperty('jwksUri');
    });
  });

  it('D-12: keeps informational URIs only when https; never fetches them', () => {
    const metadata = validateClientRegistration(
      {
        ...D00,
        logo_uri: 'http://169.254.169.254/latest/meta-data/',
        client_uri: 'javascript:alert(1)',
        policy_uri: 'https://app.example/privacy',
        tos_uri: 'https://user@app.example/tos',
      },
      policy,
    );
    expect(metadata).not.toHaveProperty('logoUri');
    expect(metadata).not.toHaveProperty('clientUri');
    expect(metadata).not.toHaveProperty('tosUri');
    expect(metadata.policyUri).toBe('https://app.example/privacy');
  });

  describe('D-14: scope is filtered to the server scopes', () => {
    it('drops unknown scopes and keeps known ones', () => {
      expect(validateClientRegistration({ ...D00, scope: 'admin mcp:* offline_access' }, policy)).not.toHaveProperty(
        'scope',
      );
      expect(validateClientRegistration({ ...D00, scope: 'admin mcp:write  mcp:read mcp:write' }, policy).scope).toBe(
        'mcp:write mcp:read',
      );
    });

    it('keeps every valid scope when the server has no scope list', () => {
      const open = { ...policy, scopesSupported: undefined };
      expect(validateClientRegistration({ ...D00, scope: 'a b' }, open).scope).toBe('a b');
    });

    it('refuses characters outside the scope syntax', () => {
      expect(errorOf({ ...D00, scope: 'mcp:read\ninjected' })).toEqual({
        error: 'invalid_client_metadata',
        message: 'scope contains characters outside the RFC 6749 scope syntax',
      });
      expect(errorOf({ ...D00, scope: 'a"b' }).error).toBe('invalid_client_metadata');
    });
  });

  it.each([['eyJhbGciOiJub25lIn0.e30.'], ['garbage'], [{ not: 'a string' }], [42]])(
    'D-15: software_statement %j is ignored (unsupported, never trusted)',
    (statement) => {
      const metadata = validateClientRegistration({ ...D00, software_statement: statement }, policy);
      expect(JSON.stringify(metadata)).not.toMatch(/software_statement|softwareStatement|eyJ|garbage/);
    },
  );

  it('D-13, D-21: names are stored exactly as given', () => {
    for (const name of [
      '<img src=x onerror=alert(1)>',
      '</title><script>alert(1)</script>',
      '\u202Eevil\u202C',
      'Claude Desktop',
      'cl\u0456ent',
    ]) {
      expect(validateClientRegistration({ ...D00, client_name: name }, policy).clientName).toBe(name);
    }
  });

  it('D-20: with duplicate keys the last value is the one validated', () => {
    const body: unknown = JSON.parse(
      '{"redirect_uris":["http://127.0.0.1:5555/cb"],"redirect_uris":["http://evil.example/cb"],"token_endpoint_auth_method":"none"}',
    );
    expect(errorOf(body)).toEqual({
      error: 'invalid_redirect_uri',
      message: expect.stringMatching(/^redirect_uris\[0\] may use http only on a loopback host/),
    });
  });

  it('ignores unknown members and reads only own properties', () => {
    const inherited = Object.create({ redirect_uris: ['http://evil.example/cb'] }) as Record<string, unknown>;
    inherited['token_endpoint_auth_method'] = 'none';
    expect(errorOf(inherited).message).toBe('redirect_uris is required for the authorization_code grant');
    const metadata = validateClientRegistration({ ...D00, 'client_name#ja': 'x', extension: { a: 1 } }, policy);
    expect(JSON.stringify(metadata)).not.toMatch(/extension|#ja/);
  });

  it('drops empty strings and empty contacts', () => {
    const metadata = validateClientRegistration({ ...D00, client_name: '', contacts: [''], software_id: '' }, policy);
    expect(metadata).not.toHaveProperty('clientName');
    expect(metadata).not.toHaveProperty('contacts');
    expect(metadata).not.toHaveProperty('softwareId');
  });

  it('uses the context default auth method when the member is absent', () => {
    const body = { redirect_uris: ['http://127.0.0.1/cb'] };
    expect(
      validateClientRegistration(body, policy, { defaultTokenEndpointAuthMethod: 'none' }).tokenEndpointAuthMethod,
    ).toBe('none');
  });
});

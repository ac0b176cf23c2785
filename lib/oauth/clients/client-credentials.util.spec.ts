import { OAuthEndpointError } from '../oauth.errors.js';
import { extractClientCredentials, JWT_BEARER_ASSERTION_TYPE } from './client-credentials.util.js';

/** `Authorization: Basic …` with RFC 6749 §2.3.1 form-encoding of both parts. */
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function errorOf(input: Parameters<typeof extractClientCredentials>[0]): {
  error: string;
  status: number;
  message: string;
} {
  try {
    extractClientCredentials(input);
  } catch (error) {
    if (error instanceof OAuthEndpointError)
      return { error: error.error, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('extractClientCredentials', () => {
  it('reads client_secret_basic, form-decoding both parts (special characters work, TK-15)', () => {
    const secret = 'p%ss:w+rd ü/?&=';
    expect(extractClientCredentials({ authorization: basic('conf:1', secret), body: {} })).toEqual({
      method: 'client_secret_basic',
      clientId: 'conf:1',
      clientSecret: secret,
    });
    // A '+' in the encoded form is a space (application/x-www-form-urlencoded).
    const plus = `Basic ${Buffer.from('conf1:a+b').toString('base64')}`;
    expect(extractClientCredentials({ authorization: plus, body: {} })).toMatchObject({ clientSecret: 'a b' });
    // The scheme name is case-insensitive.
    expect(
      extractClientCredentials({ authorization: basic('c', 's').replace('Basic', 'bAsIc'), body: {} }).method,
    ).toBe('client_secret_basic');
  });

  it('accepts a body client_id equal to the Basic one', () => {
    expect(
      extractClientCredentials({ authorization: basic('conf1', 's'), body: { client_id: 'conf1' } }),
    ).toMatchObject({
      clientId: 'conf1',
    });
  });

  it('reads client_secret_post and none', () => {
    expect(extractClientCredentials({ body: { client_id: 'conf1', client_secret: 's' } })).toEqual({
      method: 'client_secret_post',
      clientId: 'conf1',
      clientSecret: 's',
    });
    expect(extractClientCredentials({ body: { client_id: 'pub1' } })).toEqual({ method: 'none', clientId: 'pub1' });
  });

  it('reads private_key_jwt, naming the client by client_id or the assertion sub', () => {
    const payload = Buffer.from(JSON.stringify({ iss: 'm2m', sub: 'm2m' })).toString('base64url');
    const assertion = `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`;
    expect(
      extractClientCredentials({
        body: { client_assertion: assertion, client_assertion_type: JWT_BEARER_ASSERTION_TYPE },
      }),
    ).toEqual({ method: 'private_key_jwt', clientId: 'm2m', assertion });
    expect(
      extractClientCredentials({
        body: { client_id: 'other', client_assertion: assertion, client_assertion_type: JWT_BEARER_ASSERTION_TYPE },
      }).clientId,
    ).toBe('other');
  });

  describe('TK-15: refusals', () => {
    it('Basic and client_secret_post together → invalid_request', () => {
      expect(errorOf({ authorization: basic('conf1', 's'), body: { client_id: 'conf1', client_secret: 's' } })).toEqual(
        {
          error: 'invalid_request',
          status: 400,
          message: 'Use exactly one client authentication method (Basic header or body credentials)',
        },
      );
    });

    it('Basic with a different body client_id → invalid_request', () => {
      expect(errorOf({ authorization: basic('conf1', 's'), body: { client_id: 'pub1' } }).error).toBe(
        'invalid_request',
      );
    });

    it('a secret together with an assertion → invalid_request', () => {
      expect(
        errorOf({
          body: {
            client_id: 'c',
            client_secret: 's',
            client_assertion: 'a.b.c',
            client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
          },
        }).error,
      ).toBe('invalid_request');
    });

    it.each([
      ['Bearer abc', 'The Authorization header must use the Basic scheme with base64 credentials'],
      ['Basic', 'The Authorization header must use the Basic scheme with base64 credentials'],
      ['Basic !!!', 'The Authorization header must use the Basic scheme with base64 credentials'],
      [`Basic ${Buffer.from('no-colon').toString('base64')}`, 'Malformed Basic credentials'],
      [`Basic ${Buffer.from(':secret').toString('base64')}`, 'Malformed Basic credentials'],
      [`Basic ${Buffer.from('id:').toString('base64')}`, 'Malformed Basic credentials'],
      [`Basic ${Buffer.from('id:%E0%A4%A').toString('base64')}`, 'Malformed Basic credentials'],
    ])('malformed Authorization %j → 401 invalid_client', (authorization, message) => {
      expect(errorOf({ authorization, body: {} })).toEqual({ error: 'invalid_client', status: 401, message });
    });

    it('no client identification → 401 invalid_client (TK-06)', () => {
      expect(errorOf({ body: {} })).toMatchObject({ error: 'invalid_client', status: 401 });
      expect(errorOf({ body: { client_id: '' } })).toMatchObject({ error: 'invalid_client', status: 401 });
    });

    it('client_secret without client_id → invalid_request', () => {
      expect(errorOf({ body: { client_secret: 's' } }).message).toBe('client_id is required with client_secret');
    });

    it.each([
      [{ client_id: ['a', 'b'] }, 'client_id must be given once'],
      [{ client_id: 'a', client_secret: ['s', 't'] }, 'client_secret must be given once'],
      [{ client_id: { $ne: 1 } }, 'client_id must be given once'],
    ])('repeated or structured parameters %j → invalid_request', (body, message) => {
      expect(errorOf({ body })).toEqual({ error: 'invalid_request', status: 400, message });
    });

    it('a repeated Authorization header → invalid_request', () => {
      expect(errorOf({ authorization: [basic('a', 'b'), basic('c', 'd')], body: {} }).error).toBe('invalid_request');
    });

    it('an assertion of another type, or without a subject → refused', () => {
      expect(errorOf({ body: { client_assertion: 'a.b.c', client_assertion_type: 'saml' } }).error).toBe(
        'invalid_request',
      );
      expect(errorOf({ body: { client_assertion_type: JWT_BEARER_ASSERTION_TYPE } }).message).toBe(
        'client_assertion is missing',
      );
      expect(
        errorOf({ body: { client_assertion: 'not-a-jwt', client_assertion_type: JWT_BEARER_ASSERTION_TYPE } }),
      ).toMatchObject({ error: 'invalid_client', status: 401 });
    });
  });
});

import { UpstreamProtocolError, UpstreamRejectedError, UpstreamTransientError } from './upstream.errors.js';
import { readCallback, type CallbackExpectation } from './upstream-callback.js';

const STATE = 's'.repeat(43);
const expectation = (overrides: Partial<CallbackExpectation> = {}): CallbackExpectation => ({
  state: STATE,
  issuers: ['https://idp.example'],
  issRequired: true,
  maxCodeLength: 100,
  sameState: (a, b) => a === b,
  ...overrides,
});
const read = (query: string | Record<string, unknown>, overrides: Partial<CallbackExpectation> = {}) => {
  try {
    return readCallback(typeof query === 'string' ? new URLSearchParams(query) : query, expectation(overrides));
  } catch (error) {
    return error;
  }
};

describe('readCallback', () => {
  it('returns the code of a valid response (URLSearchParams or a parsed query object)', () => {
    expect(read(`code=abc&state=${STATE}&iss=https%3A%2F%2Fidp.example`)).toEqual({ code: 'abc' });
    expect(read({ code: 'abc', state: STATE, iss: 'https://idp.example' })).toEqual({ code: 'abc' });
  });

  it.each([
    ['no state', 'code=abc&iss=https%3A%2F%2Fidp.example'],
    ['a foreign state', 'code=abc&state=other&iss=https%3A%2F%2Fidp.example'],
    ['a duplicated state (CB-05)', `code=abc&state=${STATE}&state=${STATE}&iss=https%3A%2F%2Fidp.example`],
    ['a duplicated code (CB-05)', `code=a&code=b&state=${STATE}&iss=https%3A%2F%2Fidp.example`],
  ])('refuses %s', (_name, query) => {
    expect(read(query)).toMatchObject({ reason: 'state_mismatch' });
  });

  it('refuses nested (qs-extended) values', () => {
    expect(read({ code: 'abc', state: [STATE], iss: 'https://idp.example' })).toEqual({ code: 'abc' });
    expect(read({ code: { a: 1 }, state: STATE, iss: 'https://idp.example' })).toBeInstanceOf(UpstreamProtocolError);
    expect(read({ code: 'abc', state: [STATE, STATE], iss: 'https://idp.example' })).toBeInstanceOf(
      UpstreamProtocolError,
    );
  });

  describe('CB-08: RFC 9207 iss', () => {
    it('refuses a foreign issuer', () => {
      expect(read(`code=abc&state=${STATE}&iss=https%3A%2F%2Fevil.example`)).toMatchObject({
        reason: 'issuer_mismatch',
        error: 'server_error',
      });
    });
    it('refuses a missing iss when the upstream advertises it', () => {
      expect(read(`code=abc&state=${STATE}`)).toMatchObject({ reason: 'issuer_mismatch' });
    });
    it('checks iss before reading an error response', () => {
      expect(read(`error=access_denied&state=${STATE}&iss=https%3A%2F%2Fevil.example`)).toMatchObject({
        reason: 'issuer_mismatch',
      });
    });
    it('accepts a missing iss from an upstream that does not advertise it', () => {
      expect(read(`code=abc&state=${STATE}`, { issRequired: false })).toEqual({ code: 'abc' });
    });
    it('still refuses a wrong iss from an upstream that does not advertise it', () => {
      expect(read(`code=abc&state=${STATE}&iss=https%3A%2F%2Fevil.example`, { issRequired: false })).toMatchObject({
        reason: 'issuer_mismatch',
      });
    });
    it('ignores iss when the upstream has no issuer identifier (GitHub)', () => {
      expect(read(`code=abc&state=${STATE}&iss=whatever`, { issuers: undefined, issRequired: false })).toEqual({
        code: 'abc',
      });
    });
    it('accepts an issuer alias', () => {
      expect(
        read(`code=abc&state=${STATE}&iss=accounts.google.com`, {
          issuers: ['https://accounts.google.com', 'accounts.google.com'],
        }),
      ).toEqual({ code: 'abc' });
    });
  });

  describe('upstream errors', () => {
    it('CB-06: access_denied → rejected, description sanitised and kept out of the message', () => {
      const error = read(
        `error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=${STATE}&iss=https%3A%2F%2Fidp.example`,
      ) as UpstreamRejectedError;
      expect(error).toBeInstanceOf(UpstreamRejectedError);
      expect(error.error).toBe('access_denied');
      expect(error.message).toBe('The user or the identity provider denied the authorization request');
      expect(error.description).not.toMatch(/[<>]/);
      expect(error.upstreamDescription).toBe(' script alert(1) /script ');
    });

    it.each(['login_required', 'consent_required', 'interaction_required'])('%s → access_denied', (code) => {
      expect(read(`error=${code}&state=${STATE}&iss=https%3A%2F%2Fidp.example`)).toMatchObject({
        error: 'access_denied',
      });
    });

    it.each(['temporarily_unavailable', 'server_error'])('%s → transient', (code) => {
      expect(read(`error=${code}&state=${STATE}&iss=https%3A%2F%2Fidp.example`)).toBeInstanceOf(UpstreamTransientError);
    });

    it.each(['invalid_scope', 'unauthorized_client', 'redirect_uri_mismatch', 'application_suspended', '<x>'])(
      '%s concerns our request → protocol error',
      (code) => {
        const error = read(`error=${encodeURIComponent(code)}&state=${STATE}&iss=https%3A%2F%2Fidp.example`);
        expect(error).toBeInstanceOf(UpstreamProtocolError);
        expect(error).toMatchObject({ reason: 'error_response' });
        expect((error as UpstreamProtocolError).upstreamError).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
      },
    );
  });

  it.each([
    ['no code and no error (CB-07)', `state=${STATE}&iss=https%3A%2F%2Fidp.example`],
    ['an empty code', `code=&state=${STATE}&iss=https%3A%2F%2Fidp.example`],
    ['an oversized code', `code=${'c'.repeat(101)}&state=${STATE}&iss=https%3A%2F%2Fidp.example`],
  ])('refuses %s', (_name, query) => {
    expect(read(query)).toMatchObject({ reason: 'missing_code' });
  });
});

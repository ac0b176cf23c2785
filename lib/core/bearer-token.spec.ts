import { extractBearerToken, MAX_BEARER_TOKEN_LENGTH } from './bearer-token.js';
import { InvalidTokenError, MissingTokenError } from './errors/token.errors.js';

function failure(header: string | string[] | undefined): unknown {
  try {
    extractBearerToken(header);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${JSON.stringify(header)} to be refused`);
}

describe('extractBearerToken', () => {
  it('returns the token of a Bearer header', () => {
    expect(extractBearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('matches the scheme case-insensitively: %s (T-03)', (scheme) => {
    expect(extractBearerToken(`${scheme} tok`)).toBe('tok');
  });

  it.each([1, 2, 5])('accepts %i space(s) between scheme and token (RFC 6750 1*SP)', (spaces) => {
    expect(extractBearerToken(`Bearer${' '.repeat(spaces)}tok`)).toBe('tok');
  });

  it('accepts every b64token character and trailing padding', () => {
    const token = 'AZaz09-._~+/==';
    expect(extractBearerToken(`Bearer ${token}`)).toBe(token);
  });

  it('reads the first value of an array of headers', () => {
    expect(extractBearerToken(['Bearer first', 'Bearer second'])).toBe('first');
  });

  describe('answers "no credentials" (401 without error code, RFC 6750 §3.1)', () => {
    it.each([
      ['no header', undefined],
      ['an empty header', ''],
      ['an empty array', []],
      ['Basic (T-04)', 'Basic dXNlcjpwYXNz'],
      ['DPoP (T-04)', 'DPoP abc'],
      ['a bare token (T-04)', 'abc.def.ghi'],
      ['a scheme glued to the token', 'Bearerabc'],
      ['a longer scheme name', 'Bearerish abc'],
      ['a tab after the scheme', 'Bearer\tabc'],
      ['a leading space', ' Bearer abc'],
      ['another scheme first in an array', ['Basic dXNlcjpwYXNz', 'Bearer abc']],
    ])('for %s', (_name, header) => {
      const error = failure(header as string | string[] | undefined);
      expect(error).toBeInstanceOf(MissingTokenError);
      expect(error).toMatchObject({ status: 401, error: undefined });
    });
  });

  describe('answers invalid_token for a Bearer header without a valid b64token (T-02, policy P-14)', () => {
    it.each([
      ['Bearer alone', 'Bearer'],
      ['Bearer and a space', 'Bearer '],
      ['Bearer and only spaces', 'Bearer    '],
      ['trailing data after a space', 'Bearer tok extra'],
      ['a trailing space', 'Bearer tok '],
      ['padding in the middle', 'Bearer ab=c'],
      ['padding only', 'Bearer =='],
      ['a comma', 'Bearer a,b'],
      ['quotes', 'Bearer "tok"'],
      ['a tab inside', 'Bearer a\tb'],
      ['a newline', 'Bearer tok\nX: y'],
      ['a non-ASCII character', 'Bearer tök'],
      ['a Bearer header with an auth-param', 'Bearer realm="x"'],
    ])('for %s', (_name, header) => {
      const error = failure(header);
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(error).toMatchObject({ status: 401, error: 'invalid_token', reason: 'malformed' });
    });
  });

  it('caps the token at 8192 characters (V-33)', () => {
    expect(MAX_BEARER_TOKEN_LENGTH).toBe(8192);
    const longest = 'a'.repeat(MAX_BEARER_TOKEN_LENGTH);
    expect(extractBearerToken(`Bearer ${longest}`)).toBe(longest);
    const error = failure(`Bearer ${longest}a`);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ reason: 'too_large' });
  });

  it('refuses an oversized value by its length, before looking at its characters (V-33)', () => {
    expect(failure(`Bearer ${' x'.repeat(MAX_BEARER_TOKEN_LENGTH)}`)).toMatchObject({ reason: 'too_large' });
  });

  it('never echoes the header in the error message', () => {
    const secret = 'secret-token-value with space';
    const error = failure(`Bearer ${secret}`) as Error;
    expect(error.message).not.toContain('secret-token-value');
  });
});

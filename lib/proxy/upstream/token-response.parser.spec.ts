import { UpstreamProtocolError, UpstreamRejectedError, UpstreamTransientError } from './upstream.errors.js';
import { parseTokenResponse, readExpiry, type TokenResponseContext } from './token-response.parser.js';
import type { UpstreamHttpResponse } from './upstream-http.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const NOW_S = NOW / 1000;
const context: TokenResponseContext = { operation: 'token', now: NOW };
const response = (body: unknown, status = 200, headers: Record<string, string> = {}): UpstreamHttpResponse => ({
  status,
  headers: new Headers(headers),
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const parse = (body: unknown, status = 200, headers: Record<string, string> = {}, ctx = context) =>
  parseTokenResponse(response(body, status, headers), ctx);
function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('parseTokenResponse', () => {
  it('reads a complete RFC 6749 §5.1 answer', () => {
    expect(
      parse({
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt',
        refresh_token_expires_in: 86400,
        id_token: 'a.b.c',
        scope: 'openid notes:read',
      }),
    ).toEqual({
      accessToken: 'at',
      refreshToken: 'rt',
      idToken: 'a.b.c',
      expiresAt: NOW_S + 3600,
      expiresAtSource: 'upstream',
      refreshTokenExpiresAt: NOW_S + 86400,
      scope: 'openid notes:read',
    });
  });

  it("reads GitHub's OAuth app answer: lowercase bearer, comma scopes, no expiry", () => {
    expect(parse({ access_token: 'gho_x', scope: 'repo,gist', token_type: 'bearer' })).toEqual({
      accessToken: 'gho_x',
      expiresAtSource: 'none',
      scope: 'repo,gist',
    });
  });

  describe('CB-09: HTTP 200 with an error body (GitHub)', () => {
    it.each([
      ['bad_verification_code', 'token'],
      ['bad_refresh_token', 'refresh'],
      ['invalid_grant', 'refresh'],
      ['unverified_user_email', 'token'],
    ] as const)('%s → rejected invalid_grant', (code, operation) => {
      const error = failure(() =>
        parse(
          { error: code, error_description: 'The code passed is incorrect or expired.', error_uri: 'https://x' },
          200,
          {},
          { ...context, operation },
        ),
      );
      expect(error).toBeInstanceOf(UpstreamRejectedError);
      expect(error).toMatchObject({
        error: 'invalid_grant',
        status: 400,
        reason: 'invalid_grant',
        operation,
        upstreamStatus: 200,
        upstreamError: code,
        upstreamDescription: 'The code passed is incorrect or expired.',
        retryable: false,
      });
    });

    it.each(['incorrect_client_credentials', 'redirect_uri_mismatch', 'invalid_client', 'unsupported_grant_type'])(
      '%s (our configuration) → protocol error, not a grant failure',
      (code) => {
        const error = failure(() => parse({ error: code }, 200));
        expect(error).toBeInstanceOf(UpstreamProtocolError);
        expect(error).toMatchObject({
          error: 'server_error',
          status: 502,
          reason: 'error_response',
          upstreamError: code,
        });
      },
    );

    it('temporarily_unavailable in a body → transient with Retry-After', () => {
      const error = failure(() => parse({ error: 'temporarily_unavailable' }, 400, { 'retry-after': '12' }));
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({ retryAfterSeconds: 12, reason: 'upstream_busy', error: 'temporarily_unavailable' });
    });

    it('an error of another type than string is still a failure', () => {
      expect(failure(() => parse({ error: 42, access_token: 'x' }))).toBeInstanceOf(UpstreamProtocolError);
    });
  });

  describe('R-08 / R-09: error statuses', () => {
    it('400 invalid_grant at refresh is permanent', () => {
      const error = failure(() => parse({ error: 'invalid_grant' }, 400, {}, { ...context, operation: 'refresh' }));
      expect(error).toBeInstanceOf(UpstreamRejectedError);
      expect((error as UpstreamRejectedError).message).toBe('The identity provider refused the refresh token');
    });

    it.each([
      [500, {}, 5],
      [502, {}, 5],
      [503, { 'retry-after': '60' }, 60],
      [429, { 'retry-after': '60' }, 60],
      [429, { 'retry-after': 'Thu, 01 Jan 2026 12:00:30 GMT' }, 30],
      [503, { 'retry-after': '999999' }, 3600],
    ])('%i is transient (Retry-After %j → %i s)', (status, headers, retryAfter) => {
      const error = failure(() => parse('<html>busy</html>', status, headers));
      expect(error).toBeInstanceOf(UpstreamTransientError);
      expect(error).toMatchObject({
        status: 503,
        error: 'temporarily_unavailable',
        retryAfterSeconds: retryAfter,
        upstreamStatus: status,
        reason: status === 429 ? 'rate_limited' : 'unavailable',
      });
    });

    it.each([302, 401, 404])('%i without an OAuth error body is a protocol error', (status) => {
      expect(failure(() => parse('', status))).toBeInstanceOf(UpstreamProtocolError);
    });

    it('a redirect is never followed nor trusted', () => {
      expect(failure(() => parse({ access_token: 'x' }, 302))).toMatchObject({ reason: 'redirect' });
    });
  });

  describe('CB-10 / F-10: malformed successes fail closed', () => {
    it.each([
      ['HTML', '<!doctype html><html><body>Sign in</body></html>'],
      ['form encoding (GitHub without Accept: application/json)', 'access_token=gho_x&scope=repo&token_type=bearer'],
      ['truncated JSON', '{"access_token":"gho_x","token_'],
      ['an empty body', ''],
      ['a JSON array', '[{"access_token":"x"}]'],
      ['JSON null', 'null'],
    ])('%s', (_name, body) => {
      const error = failure(() => parse(body));
      expect(error).toBeInstanceOf(UpstreamProtocolError);
      expect(error).toMatchObject({ reason: 'malformed_response', error: 'server_error' });
    });

    it.each([
      ['no access_token', { token_type: 'bearer' }],
      ['an empty access_token', { access_token: '', token_type: 'bearer' }],
      ['a numeric access_token', { access_token: 42, token_type: 'bearer' }],
      ['a numeric token_type', { access_token: 'x', token_type: 1 }],
      ['a non-string refresh_token', { access_token: 'x', refresh_token: 5 }],
      ['a non-string id_token', { access_token: 'x', id_token: {} }],
      ['a numeric scope', { access_token: 'x', scope: 3 }],
    ])('%s', (_name, body) => {
      expect(failure(() => parse(body))).toMatchObject({ reason: 'malformed_response' });
    });

    it.each(['mac', 'DPoP', 'N_A'])('token_type %s is refused', (type) => {
      expect(failure(() => parse({ access_token: 'x', token_type: type }))).toMatchObject({
        reason: 'unsupported_token_type',
      });
    });

    it('a missing token_type is read as Bearer (LinkedIn omits it)', () => {
      expect(parse({ access_token: 'x', expires_in: 60 }).accessToken).toBe('x');
    });

    it('null and empty optional members are absent', () => {
      expect(parse({ access_token: 'x', refresh_token: null, id_token: '', scope: null })).toEqual({
        accessToken: 'x',
        expiresAtSource: 'none',
      });
    });

    it('an array scope is joined with spaces', () => {
      expect(parse({ access_token: 'x', scope: ['a', 'b'] }).scope).toBe('a b');
    });
  });

  describe('expires_in', () => {
    it.each([
      ['-1', -1],
      ['0', 0],
      ['"abc"', 'abc'],
      ['NaN-like "12abc"', '12abc'],
      ['a float below one', 0.5],
      ['more than ten years', 400_000_000],
      ['an object', {}],
    ])('unusable %s → 3600 s fallback, never "no expiry"', (_name, expiresIn) => {
      expect(parse({ access_token: 'x', expires_in: expiresIn })).toMatchObject({
        expiresAt: NOW_S + 3600,
        expiresAtSource: 'fallback',
      });
    });

    it('unusable values use the configured fallback', () => {
      expect(
        parse({ access_token: 'x', expires_in: 0 }, 200, {}, { ...context, fallbackExpiresInSeconds: 120 }),
      ).toMatchObject({ expiresAt: NOW_S + 120, expiresAtSource: 'fallback' });
    });

    it('digit strings and floats are accepted (floored)', () => {
      expect(parse({ access_token: 'x', expires_in: '7200' }).expiresAt).toBe(NOW_S + 7200);
      expect(parse({ access_token: 'x', expires_in: 59.9 }).expiresAt).toBe(NOW_S + 59);
    });

    it('missing with a refresh token → 3600 s; missing without → no expiry (GitHub OAuth apps)', () => {
      expect(parse({ access_token: 'x', refresh_token: 'r' })).toMatchObject({
        expiresAt: NOW_S + 3600,
        expiresAtSource: 'fallback',
      });
      const github = parse({ access_token: 'x' });
      expect(github.expiresAtSource).toBe('none');
      expect(github.expiresAt).toBeUndefined();
    });

    it('missing uses the configured fallback even without a refresh token', () => {
      expect(readExpiry(undefined, false, 600)).toEqual({ seconds: 600, source: 'fallback' });
    });

    it('refresh token lifetime: refresh_token_expires_in (GitHub Apps) or refresh_expires_in (Keycloak); 0 = none', () => {
      expect(parse({ access_token: 'x', refresh_token: 'r', refresh_expires_in: 1800 }).refreshTokenExpiresAt).toBe(
        NOW_S + 1800,
      );
      expect(
        parse({ access_token: 'x', refresh_token: 'r', refresh_expires_in: 0 }).refreshTokenExpiresAt,
      ).toBeUndefined();
      expect(parse({ access_token: 'x', refresh_token_expires_in: 50 }).refreshTokenExpiresAt).toBeUndefined();
    });
  });

  it('never puts tokens or the raw body into messages (F-19)', () => {
    const error = failure(() => parse('access_token=gho_secret123&token_type=bearer')) as Error;
    expect(error.message).not.toContain('gho_secret123');
    expect(JSON.stringify(error)).not.toContain('gho_secret123');
  });
});

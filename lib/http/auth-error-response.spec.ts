import { jest } from '@jest/globals';
import { HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { McpAccessToken } from '../core/access-token.js';
import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import {
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  VerifierUnavailableError,
} from '../core/errors/token.errors.js';
import { resolveMcpAuthOptions } from '../core/options/resolve-options.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { asHttpError, authErrorResponse } from './auth-error-response.js';

/** Never called here: the verifier option only has to pass validation. */
class UnusedVerifier {
  verify(): never {
    throw new Error('not used');
  }
}

const METADATA = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';

function resolvedOptions(extra: Record<string, unknown> = {}): ResolvedMcpAuthOptions {
  return resolveMcpAuthOptions(
    {
      resourceUrl: 'https://mcp.example.com/mcp',
      authorizationServers: ['https://auth.example.com'],
      verifier: { type: 'custom', useClass: UnusedVerifier },
      ...extra,
    } as never,
    {},
  );
}

function tokenWith(scopes: string[]): McpAccessToken {
  return { token: 't', sub: 'alice', clientId: 'c', scopes, expiresAt: 2_000_000_000, claims: {} };
}

class BadRequestAuthError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_TEST';
  readonly error = 'invalid_request';
  readonly status = 400;
}

class PlainServerError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_TEST';
  readonly error = 'server_error';
  readonly status = 500;
}

describe('authErrorResponse', () => {
  let headers: Record<string, string>;
  let response: Response;

  beforeEach(() => {
    headers = {};
    response = { setHeader: (name: string, value: string) => void (headers[name] = value) } as unknown as Response;
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function answer(
    error: unknown,
    options: ResolvedMcpAuthOptions,
    context: { requiredScopes: readonly string[]; token?: McpAccessToken } = { requiredScopes: [] },
  ): HttpException {
    return authErrorResponse(error, response, options, context);
  }

  /** The `scope` auth-param of the challenge, or undefined when there is none. */
  function challengedScopes(): string | undefined {
    return /scope="([^"]*)"/.exec(headers['WWW-Authenticate'] ?? '')?.[1];
  }

  describe('401 challenges', () => {
    it('carry no error code and no description without credentials (RFC 6750 §3.1, T-01)', () => {
      const exception = answer(new MissingTokenError(), resolvedOptions(), { requiredScopes: ['notes:read'] });
      expect(exception.getStatus()).toBe(401);
      expect(exception.getResponse()).toEqual({
        error_description: 'Authorization required: send an OAuth access token as a Bearer token',
      });
      expect(headers).toEqual({
        'Cache-Control': 'no-store',
        'WWW-Authenticate': `Bearer resource_metadata="${METADATA}", scope="notes:read"`,
      });
    });

    it('carry invalid_token and a sanitised description for a bad token (I-6)', () => {
      const exception = answer(new InvalidTokenError('bad "sig"\r\nX: y'), resolvedOptions());
      expect(exception.getResponse()).toEqual({ error: 'invalid_token', error_description: 'bad  sig   X: y' });
      expect(headers['WWW-Authenticate']).toBe(
        `Bearer error="invalid_token", error_description="bad  sig   X: y", resource_metadata="${METADATA}"`,
      );
    });

    it('name the operation scopes when it has some', () => {
      answer(new MissingTokenError(), resolvedOptions({ scopesSupported: ['a', 'b'] }), { requiredScopes: ['c'] });
      expect(challengedScopes()).toBe('c');
    });

    it('name the advertised scopes when the operation needs none', () => {
      answer(new InvalidTokenError('x'), resolvedOptions({ scopesSupported: ['a', 'b'] }));
      expect(challengedScopes()).toBe('a b');
    });

    it('name no scope when there is nothing to name', () => {
      answer(new MissingTokenError(), resolvedOptions());
      expect(headers['WWW-Authenticate']).toBe(`Bearer resource_metadata="${METADATA}"`);
    });

    it('never name offline_access (T-01)', () => {
      answer(new MissingTokenError(), resolvedOptions({ scopesSupported: ['a', 'offline_access'] }));
      expect(challengedScopes()).toBe('a');
      answer(new MissingTokenError(), resolvedOptions(), { requiredScopes: ['offline_access', 'b'] });
      expect(challengedScopes()).toBe('b');
    });

    it('omit resource_metadata without authorization servers', () => {
      answer(new MissingTokenError(), resolvedOptions({ authorizationServers: undefined }), { requiredScopes: ['a'] });
      expect(headers['WWW-Authenticate']).toBe('Bearer scope="a"');
    });

    it('use the configured metadata URL, whatever the request said (T-08)', () => {
      answer(new MissingTokenError(), resolvedOptions({ resourceUrl: 'http://127.0.0.1:3000/mcp' }));
      expect(headers['WWW-Authenticate']).toBe(
        'Bearer resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"',
      );
    });
  });

  describe('403 challenges', () => {
    const options = () =>
      resolvedOptions({ scopesSupported: ['notes:read', 'notes:write', 'profile', 'offline_access'] });

    it('name every required scope plus the granted scopes this server advertises', () => {
      const exception = answer(new InsufficientScopeError(['notes:write']), options(), {
        requiredScopes: ['notes:write'],
        token: tokenWith(['profile', 'other:scope', 'offline_access']),
      });
      expect(exception.getStatus()).toBe(403);
      expect(exception.getResponse()).toEqual({
        error: 'insufficient_scope',
        error_description: 'The operation requires the scopes: notes:write',
      });
      expect(headers['WWW-Authenticate']).toBe(
        'Bearer error="insufficient_scope", error_description="The operation requires the scopes: notes:write", ' +
          `resource_metadata="${METADATA}", scope="notes:write profile"`,
      );
    });

    it('take the scopes from the error, all in one challenge (V-25)', () => {
      answer(new InsufficientScopeError(['notes:read', 'notes:write']), options(), { requiredScopes: ['ignored'] });
      expect(challengedScopes()).toBe('notes:read notes:write');
    });

    it('name each scope once', () => {
      answer(new InsufficientScopeError(['notes:read', 'notes:write']), options(), {
        requiredScopes: [],
        token: tokenWith(['notes:read']),
      });
      expect(challengedScopes()).toBe('notes:read notes:write');
    });

    it('never name offline_access, even when required', () => {
      answer(new InsufficientScopeError(['offline_access', 'notes:write']), options(), {
        requiredScopes: [],
        token: tokenWith(['offline_access']),
      });
      expect(challengedScopes()).toBe('notes:write');
    });

    it('keep no granted scope when nothing is advertised', () => {
      answer(new InsufficientScopeError(['notes:write']), resolvedOptions(), {
        requiredScopes: [],
        token: tokenWith(['notes:read']),
      });
      expect(challengedScopes()).toBe('notes:write');
    });
  });

  describe('503 answers', () => {
    it('set Retry-After and no challenge, and log a warning with the cause', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const exception = answer(
        new VerifierUnavailableError('JWKS unreachable', { cause: new Error('ECONNREFUSED') }, 30),
        resolvedOptions(),
      );
      expect(exception.getStatus()).toBe(503);
      expect(exception.getResponse()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'JWKS unreachable',
      });
      expect(headers).toEqual({ 'Cache-Control': 'no-store', 'Retry-After': '30' });
      expect(warn).toHaveBeenCalledWith('JWKS unreachable: ECONNREFUSED');
    });

    it.each([
      ['an Error', new TypeError('boom')],
      ['a string', 'boom'],
      ['undefined', undefined],
    ])('turn %s thrown by a verifier into a logged 503, never a 500 (TR-07)', (_name, thrown) => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const exception = answer(thrown, resolvedOptions());
      expect(exception.getStatus()).toBe(503);
      expect(exception.getResponse()).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      });
      expect(headers).toEqual({ 'Cache-Control': 'no-store', 'Retry-After': '5' });
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0][0]).toBe('Token verification failed unexpectedly');
    });

    it('leave out Retry-After for a 5xx error that carries none', () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const exception = answer(new PlainServerError('storage failed'), resolvedOptions());
      expect(exception.getStatus()).toBe(500);
      expect(headers).toEqual({ 'Cache-Control': 'no-store' });
      expect(warn).not.toHaveBeenCalled();
    });
  });

  it('sets no challenge for statuses other than 401 and 403', () => {
    const exception = answer(new BadRequestAuthError('bad'), resolvedOptions());
    expect(exception.getStatus()).toBe(400);
    expect(exception.getResponse()).toEqual({ error: 'invalid_request', error_description: 'bad' });
    expect(headers).toEqual({ 'Cache-Control': 'no-store' });
  });

  it('keeps the typed error as the cause of the HttpException', () => {
    const error = new InvalidTokenError('x');
    expect(answer(error, resolvedOptions()).cause).toBe(error);
  });
});

describe('asHttpError', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('returns typed errors unchanged', () => {
    const error = new InvalidTokenError('x');
    expect(asHttpError(error)).toBe(error);
  });

  it('wraps anything else as VerifierUnavailableError with the original as cause', () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const cause = new Error('boom');
    const wrapped = asHttpError(cause);
    expect(wrapped).toBeInstanceOf(VerifierUnavailableError);
    expect(wrapped.cause).toBe(cause);
  });
});

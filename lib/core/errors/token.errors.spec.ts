import { McpAuthError, McpAuthHttpError } from './mcp-auth.error.js';
import {
  InsufficientScopeError,
  InvalidTokenError,
  MissingTokenError,
  VerifierUnavailableError,
} from './token.errors.js';

describe('token errors', () => {
  it.each([
    [new InvalidTokenError('x'), 'ERR_MCP_AUTH_INVALID_TOKEN', 'invalid_token', 401],
    [new InsufficientScopeError(['a']), 'ERR_MCP_AUTH_INSUFFICIENT_SCOPE', 'insufficient_scope', 403],
    [new VerifierUnavailableError('x'), 'ERR_MCP_AUTH_VERIFIER_UNAVAILABLE', 'temporarily_unavailable', 503],
    [new MissingTokenError(), 'ERR_MCP_AUTH_MISSING_TOKEN', undefined, 401],
  ])('%p has code %s, error %s and status %i', (error, code, oauthError, status) => {
    expect(error).toBeInstanceOf(McpAuthHttpError);
    expect(error).toBeInstanceOf(McpAuthError);
    expect(error.code).toBe(code);
    expect(error.error).toBe(oauthError);
    expect(error.status).toBe(status);
    expect(error.name).toBe(error.constructor.name);
  });

  it('InvalidTokenError keeps its reason (default unknown) and cause', () => {
    const cause = new Error('jose said no');
    expect(new InvalidTokenError('x').reason).toBe('unknown');
    const error = new InvalidTokenError('expired', 'expired', { cause });
    expect(error.reason).toBe('expired');
    expect(error.cause).toBe(cause);
  });

  it('InsufficientScopeError names every required scope in its default message', () => {
    const error = new InsufficientScopeError(['notes:read', 'notes:write']);
    expect(error.requiredScopes).toEqual(['notes:read', 'notes:write']);
    expect(error.message).toBe('The operation requires the scopes: notes:read notes:write');
    expect(new InsufficientScopeError(['a'], 'custom').message).toBe('custom');
  });

  it('VerifierUnavailableError asks clients to retry after 5 seconds unless told otherwise', () => {
    expect(new VerifierUnavailableError('down').retryAfterSeconds).toBe(5);
    const cause = new Error('ECONNREFUSED');
    const error = new VerifierUnavailableError('down', { cause }, 30);
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.cause).toBe(cause);
  });

  it('MissingTokenError has a default client-safe description', () => {
    expect(new MissingTokenError().description).toBe(
      'Authorization required: send an OAuth access token as a Bearer token',
    );
  });
});

import { McpAuthHttpError } from '../../core/errors/mcp-auth.error.js';
import {
  sanitizeUpstreamErrorCode,
  sanitizeUpstreamText,
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
} from './upstream.errors.js';

describe('upstream errors', () => {
  it.each([
    [
      new UpstreamTransientError('m', { operation: 'token', reason: 'timeout' }),
      'ERR_MCP_AUTH_UPSTREAM_UNAVAILABLE',
      'temporarily_unavailable',
      503,
      true,
    ],
    [
      new UpstreamRejectedError('m', { operation: 'refresh', reason: 'invalid_grant' }),
      'ERR_MCP_AUTH_UPSTREAM_REJECTED',
      'invalid_grant',
      400,
      false,
    ],
    [
      new UpstreamRejectedError('m', { operation: 'authorization', reason: 'access_denied' }),
      'ERR_MCP_AUTH_UPSTREAM_REJECTED',
      'access_denied',
      403,
      false,
    ],
    [
      new UpstreamRejectedError('m', { operation: 'identity', reason: 'invalid_token' }),
      'ERR_MCP_AUTH_UPSTREAM_REJECTED',
      'invalid_token',
      401,
      false,
    ],
    [
      new UpstreamProtocolError('m', { operation: 'token', reason: 'malformed_response' }),
      'ERR_MCP_AUTH_UPSTREAM_PROTOCOL',
      'server_error',
      502,
      false,
    ],
  ])('%p has code %s, error %s, status %i, retryable %p', (error, code, oauthError, status, retryable) => {
    expect(error).toBeInstanceOf(McpAuthHttpError);
    expect(error.code).toBe(code);
    expect(error.error).toBe(oauthError);
    expect(error.status).toBe(status);
    expect(error.retryable).toBe(retryable);
    expect(error.name).toBe(error.constructor.name);
  });

  it('transient errors default to Retry-After 5 and keep their cause', () => {
    const cause = new Error('getaddrinfo ENOTFOUND idp.internal.example');
    const error = new UpstreamTransientError('The identity provider could not be reached', {
      operation: 'token',
      reason: 'dns',
      cause,
    });
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.cause).toBe(cause);
    expect(error.description).not.toContain('idp.internal.example');
  });

  it('CB-06: keeps a neutralised upstream description for logs, never in the message', () => {
    const error = new UpstreamRejectedError('The user or the identity provider denied the authorization request', {
      operation: 'authorization',
      reason: 'access_denied',
      upstreamError: 'access_denied',
      upstreamDescription: `<script>alert("x")</script>\r\nSet-Cookie: a=b & 'y'`,
    });
    expect(error.message).not.toMatch(/script|alert/);
    expect(error.upstreamDescription).toBe(' script alert( x ) /script   Set-Cookie: a=b    y ');
    expect(error.upstreamDescription).not.toMatch(/[<>"'&\\\r\n]/);
  });

  it('caps and restricts upstream codes and texts', () => {
    expect(sanitizeUpstreamErrorCode('bad code"\n'.repeat(20))).toHaveLength(64);
    expect(sanitizeUpstreamErrorCode('bad code"\n')).toBe('bad_code__');
    expect(sanitizeUpstreamText('x'.repeat(500))).toHaveLength(200);
    expect(sanitizeUpstreamText('é😀')).toBe('   ');
  });
});

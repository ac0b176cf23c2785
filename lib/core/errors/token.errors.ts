import { McpAuthHttpError } from './mcp-auth.error.js';

/**
 * Why a token was rejected. Logged at debug level and exposed on the error for metrics; the
 * client only sees the generic `error_description`.
 */
export type InvalidTokenReason =
  | 'malformed'
  | 'signature'
  | 'algorithm'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'type'
  | 'claims'
  | 'inactive'
  | 'unknown'
  | 'too_large';

/**
 * The token is missing its mark: malformed, badly signed, expired, or issued for someone
 * else. Answered 401 `invalid_token` so clients refresh or re-authorize (RFC 6750 §3.1).
 *
 * @publicApi
 */
export class InvalidTokenError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_INVALID_TOKEN';
  readonly error = 'invalid_token';
  readonly status = 401;

  constructor(
    message: string,
    /** Machine-readable reason, never sent to clients. */
    readonly reason: InvalidTokenReason = 'unknown',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The token is valid but lacks scopes the operation needs. Answered 403 `insufficient_scope`
 * with every needed scope in one challenge (MCP "Runtime Insufficient Scope Errors").
 *
 * @publicApi
 */
export class InsufficientScopeError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_INSUFFICIENT_SCOPE';
  readonly error = 'insufficient_scope';
  readonly status = 403;

  constructor(
    /** All scopes the operation requires (not only the missing ones). */
    readonly requiredScopes: readonly string[],
    message = `The operation requires the scopes: ${requiredScopes.join(' ')}`,
  ) {
    super(message);
  }
}

/**
 * The token could not be judged because a dependency (JWKS endpoint, introspection endpoint,
 * upstream API, storage) is unreachable or answered garbage. Answered 503
 * `temporarily_unavailable` with `Retry-After`, so clients keep their tokens and retry
 * instead of re-authorizing (policy P-1).
 *
 * @publicApi
 */
export class VerifierUnavailableError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_VERIFIER_UNAVAILABLE';
  readonly error = 'temporarily_unavailable';
  readonly status = 503;

  constructor(
    message: string,
    options?: { cause?: unknown },
    /** Seconds the client should wait before retrying. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message, options);
  }
}

/**
 * The request carries no bearer credentials at all (no `Authorization` header, or another
 * scheme). Answered 401 with a challenge and no `error` code (RFC 6750 §3.1).
 *
 * @publicApi
 */
export class MissingTokenError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_MISSING_TOKEN';
  readonly error = undefined;
  readonly status = 401;

  constructor(message = 'Authorization required: send an OAuth access token as a Bearer token') {
    super(message);
  }
}

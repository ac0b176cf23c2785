import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';

/**
 * An RFC 6749 / RFC 7591 / RFC 7009 error answered by one of the authorization-server
 * endpoints (`register`, `authorize`, `token`, `revoke`, `introspect`). The `error` code is sent
 * verbatim; the message becomes `error_description` (restricted to the RFC 6750 charset).
 *
 * @publicApi
 */
export class OAuthEndpointError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_OAUTH';

  constructor(
    readonly error: string,
    message: string,
    readonly status: number = 400,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Seconds before a retry makes sense (429, 503). */
  readonly retryAfterSeconds: number | undefined;
}

/** RFC 6749 §5.2 `invalid_request`. */
export const invalidRequest = (message: string) => new OAuthEndpointError('invalid_request', message);
/** RFC 6749 §5.2 `invalid_client` — 401, so MCP clients re-register. */
export const invalidClient = (message: string) => new OAuthEndpointError('invalid_client', message, 401);
/** RFC 6749 §5.2 `invalid_grant`. */
export const invalidGrant = (message: string) => new OAuthEndpointError('invalid_grant', message);
/** RFC 6749 §5.2 `unauthorized_client`. */
export const unauthorizedClient = (message: string) => new OAuthEndpointError('unauthorized_client', message);
/** RFC 6749 §5.2 `unsupported_grant_type`. */
export const unsupportedGrantType = (message: string) => new OAuthEndpointError('unsupported_grant_type', message);
/** RFC 6749 §5.2 `invalid_scope`. */
export const invalidScope = (message: string) => new OAuthEndpointError('invalid_scope', message);
/** RFC 8707 §2 `invalid_target`. */
export const invalidTarget = (message: string) => new OAuthEndpointError('invalid_target', message);
/** RFC 7591 §3.2.2 `invalid_redirect_uri`. */
export const invalidRedirectUri = (message: string) => new OAuthEndpointError('invalid_redirect_uri', message);
/** RFC 7591 §3.2.2 `invalid_client_metadata`. */
export const invalidClientMetadata = (message: string) => new OAuthEndpointError('invalid_client_metadata', message);
/** RFC 6749 §4.1.2.1 `access_denied`. */
export const accessDenied = (message: string) => new OAuthEndpointError('access_denied', message, 403);
/** RFC 6749 §4.1.2.1 `temporarily_unavailable` — 503 with Retry-After. */
export const temporarilyUnavailable = (message: string, retryAfterSeconds = 5, cause?: unknown) =>
  new OAuthEndpointError('temporarily_unavailable', message, 503, { cause, retryAfterSeconds });
/** Rate limit exceeded — 429 with Retry-After. */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new OAuthEndpointError('too_many_requests', message, 429, { retryAfterSeconds });

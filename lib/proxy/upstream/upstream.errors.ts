import { McpAuthHttpError } from '../../core/errors/mcp-auth.error.js';

/**
 * Which exchange with the upstream identity provider failed.
 * @publicApi
 */
export type UpstreamOperation = 'discovery' | 'authorization' | 'token' | 'refresh' | 'revocation' | 'identity';

/**
 * Why an upstream exchange failed, for logs and metrics (never sent to clients).
 *
 * - transient: `timeout`, `dns`, `tls`, `connection`, `unavailable` (5xx), `rate_limited` (429,
 *   GitHub's 403 rate limit), `upstream_busy` (`temporarily_unavailable` / `slow_down` answers);
 * - rejected: `access_denied` (the user or the provider refused), `invalid_grant` (code or refresh
 *   token unknown, expired, revoked), `invalid_token` (the identity API refused the access token);
 * - protocol: `malformed_response`, `unexpected_status`, `error_response` (an error code that
 *   points at our configuration, such as `invalid_client`), `issuer_mismatch` (RFC 9207),
 *   `missing_code`, `state_mismatch` (duplicated or foreign callback parameters), `id_token` (the ID token failed verification), `missing_subject`,
 *   `unsupported_token_type`, `redirect`, `not_configured`.
 * @publicApi
 */
export type UpstreamFailureReason =
  | 'timeout'
  | 'dns'
  | 'tls'
  | 'connection'
  | 'unavailable'
  | 'rate_limited'
  | 'upstream_busy'
  | 'access_denied'
  | 'invalid_grant'
  | 'invalid_token'
  | 'malformed_response'
  | 'unexpected_status'
  | 'error_response'
  | 'issuer_mismatch'
  | 'missing_code'
  | 'state_mismatch'
  | 'id_token'
  | 'missing_subject'
  | 'unsupported_token_type'
  | 'redirect'
  | 'not_configured';

/** What every upstream error records besides its message. @publicApi */
export interface UpstreamErrorDetails {
  readonly operation: UpstreamOperation;
  readonly reason: UpstreamFailureReason;
  /** HTTP status the upstream answered, when it answered. */
  readonly upstreamStatus?: number;
  /**
   * The upstream's OAuth `error` code, reduced to the RFC 6749 `error` charset and 64
   * characters. For logs only: never forward it to clients verbatim.
   */
  readonly upstreamError?: string;
  /**
   * The upstream's `error_description`, reduced to printable ASCII without `"`, `\`, `<`, `>`,
   * `&` and `'` and capped at 200 characters (security catalog CB-06). For logs only.
   */
  readonly upstreamDescription?: string;
  readonly cause?: unknown;
}

/**
 * Base of the errors raised while talking to the upstream identity provider. Messages are fixed
 * sentences that name neither the upstream host nor any token or code (security catalog F-19);
 * the details (upstream status, error code, sanitised description, the network error as
 * `cause`) are properties for logging.
 *
 * @publicApi
 */
export abstract class UpstreamError extends McpAuthHttpError {
  /** Whether repeating the same request later may succeed. */
  abstract readonly retryable: boolean;
  readonly operation: UpstreamOperation;
  readonly reason: UpstreamFailureReason;
  readonly upstreamStatus: number | undefined;
  readonly upstreamError: string | undefined;
  readonly upstreamDescription: string | undefined;

  constructor(message: string, details: UpstreamErrorDetails) {
    super(message, { cause: details.cause });
    this.operation = details.operation;
    this.reason = details.reason;
    this.upstreamStatus = details.upstreamStatus;
    this.upstreamError =
      details.upstreamError === undefined ? undefined : sanitizeUpstreamErrorCode(details.upstreamError);
    this.upstreamDescription =
      details.upstreamDescription === undefined ? undefined : sanitizeUpstreamText(details.upstreamDescription);
  }
}

/**
 * The upstream could not be reached or asked us to come back later: DNS failure, refused or
 * reset connection, TLS failure (an untrusted certificate included), timeout, HTTP 5xx, 429, or
 * an OAuth `temporarily_unavailable`. Nothing was decided about the user's grant, so callers
 * keep every credential (the MCP refresh token is not consumed, security catalog R-09) and
 * answer 503 `temporarily_unavailable` with `Retry-After: retryAfterSeconds`.
 *
 * @publicApi
 */
export class UpstreamTransientError extends UpstreamError {
  readonly code = 'ERR_MCP_AUTH_UPSTREAM_UNAVAILABLE';
  readonly error = 'temporarily_unavailable';
  readonly status = 503;
  readonly retryable = true;

  constructor(
    message: string,
    details: UpstreamErrorDetails,
    /** Seconds before a retry makes sense: the upstream's `Retry-After` when it sent one. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message, details);
  }
}

/**
 * The upstream refused for good: the user denied access, the code or refresh token is invalid,
 * expired or revoked (`invalid_grant`, GitHub's `bad_verification_code` / `bad_refresh_token`),
 * or the identity API says the access token is invalid (401). Callers revoke what depends on it
 * (security catalog R-08) and answer `error`: `access_denied` for an authorization response,
 * `invalid_grant` for a code exchange or refresh, `invalid_token` for an identity lookup.
 *
 * @publicApi
 */
export class UpstreamRejectedError extends UpstreamError {
  readonly code = 'ERR_MCP_AUTH_UPSTREAM_REJECTED';
  readonly retryable = false;
  readonly error: 'access_denied' | 'invalid_grant' | 'invalid_token';
  readonly status: number;

  constructor(
    message: string,
    details: UpstreamErrorDetails & { reason: 'access_denied' | 'invalid_grant' | 'invalid_token' },
  ) {
    super(message, details);
    this.error = details.reason;
    this.status = REJECTED_STATUS[details.reason];
  }
}

const REJECTED_STATUS = { access_denied: 403, invalid_grant: 400, invalid_token: 401 } as const;

/**
 * The upstream answered something this client must not accept: a malformed or truncated token
 * response, HTML where JSON was due, a `token_type` other than Bearer, an RFC 9207 `iss` that is
 * missing or names another issuer (mix-up), an ID token that fails verification, an identity
 * without a subject, an error code that points at our own configuration (`invalid_client`,
 * `redirect_uri_mismatch`), or a redirect. The request failed closed; whether the user's grant
 * is still good is unknown. Callers answer `server_error` (502) and do not store anything.
 *
 * @publicApi
 */
export class UpstreamProtocolError extends UpstreamError {
  readonly code = 'ERR_MCP_AUTH_UPSTREAM_PROTOCOL';
  readonly error = 'server_error';
  readonly status = 502;
  readonly retryable = false;
}

/** RFC 6749 §A.7 `error` charset (%x20-21 / %x23-5B / %x5D-7E) without space, 64 characters at most. */
export function sanitizeUpstreamErrorCode(value: string): string {
  return value.replace(/[^\x21\x23-\x5b\x5d-\x7e]/g, '_').slice(0, 64);
}

/**
 * Printable ASCII without the characters that matter in HTML, headers or JSON strings
 * (`"`, `\`, `<`, `>`, `&`, `'`), capped at 200 characters: safe to log or show escaped.
 */
export function sanitizeUpstreamText(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\x5b\x5d-\x7e]/g, ' ').slice(0, 200);
}

import {
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
  type UpstreamError,
  type UpstreamOperation,
} from './upstream.errors.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  parseJsonObject,
  parseRetryAfter,
  transientStatusError,
  type UpstreamHttpResponse,
} from './upstream-http.js';
import { grantedScopes, splitScopes, type UpstreamScopePolicy } from './upstream-scopes.js';
import type { UpstreamExpirySource, UpstreamTokens } from './upstream-tokens.interface.js';

/** A token endpoint success, before scopes are mapped. @internal */
export interface ParsedTokenResponse {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Epoch seconds, or `undefined` with source `none`. */
  readonly expiresAt?: number;
  readonly expiresAtSource: UpstreamExpirySource;
  readonly refreshTokenExpiresAt?: number;
  /** The `scope` member, unsplit; `undefined` when absent. */
  readonly scope?: string;
}

/** Inputs of {@link parseTokenResponse}. @internal */
export interface TokenResponseContext {
  readonly operation: Extract<UpstreamOperation, 'token' | 'refresh'>;
  /** Epoch milliseconds. */
  readonly now: number;
  readonly fallbackExpiresInSeconds?: number;
}

/** Access-token lifetime assumed with a refresh token or an unusable `expires_in`. @publicApi */
export const DEFAULT_FALLBACK_EXPIRES_IN_SECONDS = 3600;
/** `expires_in` above ten years is treated as garbage. */
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 3600;

/** Upstream `error` codes that mean the code or refresh token is dead (permanent). */
const GRANT_ERRORS = new Set([
  'invalid_grant',
  'access_denied',
  'expired_token',
  // GitHub (200 with an error body): "Troubleshooting OAuth app access token request errors",
  // "Refreshing user access tokens".
  'bad_verification_code',
  'bad_refresh_token',
  'unverified_user_email',
]);
/** Upstream `error` codes that mean "later". */
const BUSY_ERRORS = new Set(['temporarily_unavailable', 'slow_down', 'server_error']);

/**
 * Reads an RFC 6749 §5.1 / §5.2 token endpoint answer, failing closed on anything unexpected:
 *
 * - 5xx and 429 → {@link UpstreamTransientError} with the upstream's `Retry-After`;
 * - a JSON `error` member, **whatever the status** (GitHub answers errors with HTTP 200,
 *   security catalog CB-09) → {@link UpstreamRejectedError} `invalid_grant` for a dead code or
 *   refresh token, transient for `temporarily_unavailable`/`slow_down`/`server_error`, and
 *   {@link UpstreamProtocolError} for errors that point at our configuration (`invalid_client`,
 *   `redirect_uri_mismatch`, `incorrect_client_credentials`…);
 * - a redirect, another status, a body that is not a JSON object (HTML, form encoding,
 *   truncation), a missing or empty `access_token`, a `token_type` other than `Bearer`, members
 *   of the wrong type → {@link UpstreamProtocolError} (CB-10, F-10).
 *
 * `expires_in` (number or digit string) fixes the expiry. When it is missing the fallback is
 * `fallbackExpiresInSeconds`, else 3600 s when a refresh token came, else no expiry (GitHub
 * OAuth apps' tokens live until revoked). When it is present but unusable (≤ 0, not a number,
 * more than ten years) the token gets the fallback, never "no expiry". A missing `token_type`
 * is read as Bearer: RFC 6749 requires it but some providers (LinkedIn) leave it out.
 */
export function parseTokenResponse(response: UpstreamHttpResponse, context: TokenResponseContext): ParsedTokenResponse {
  const { operation } = context;
  const transient = transientStatusError(operation, response, context.now);
  if (transient) throw transient;
  if (response.status >= 300 && response.status < 400) {
    throw protocol(
      operation,
      'redirect',
      'The identity provider token endpoint answered with a redirect',
      response.status,
    );
  }
  const body = parseJsonObject(response.text);
  if (body === undefined) {
    throw protocol(
      operation,
      response.status === 200 ? 'malformed_response' : 'unexpected_status',
      'The identity provider token endpoint answered with an unreadable response',
      response.status,
    );
  }
  if (body.error !== undefined) throw tokenError(operation, response, body, context.now);
  if (response.status !== 200) {
    throw protocol(
      operation,
      'unexpected_status',
      'The identity provider token endpoint answered an unexpected status',
      response.status,
    );
  }
  return readSuccess(body, context);
}

function readSuccess(body: Record<string, unknown>, context: TokenResponseContext): ParsedTokenResponse {
  const { operation } = context;
  const malformed = (what: string) =>
    protocol(operation, 'malformed_response', `The identity provider token response ${what}`, 200);
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') throw malformed('has no access token');
  if (body.token_type !== undefined) {
    if (typeof body.token_type !== 'string') throw malformed('has an invalid token type');
    if (body.token_type.toLowerCase() !== 'bearer') {
      throw protocol(
        operation,
        'unsupported_token_type',
        'The identity provider issued a token type other than Bearer',
        200,
      );
    }
  }
  const refreshToken = optionalString(body.refresh_token, () => malformed('has an invalid refresh token'));
  const idToken = optionalString(body.id_token, () => malformed('has an invalid ID token'));
  let scope: string | undefined;
  if (body.scope !== undefined && body.scope !== null) {
    if (typeof body.scope === 'string') scope = body.scope;
    else if (Array.isArray(body.scope) && body.scope.every((s) => typeof s === 'string')) scope = body.scope.join(' ');
    else throw malformed('has an invalid scope');
  }
  const nowSeconds = Math.floor(context.now / 1000);
  const expiry = readExpiry(body.expires_in, refreshToken !== undefined, context.fallbackExpiresInSeconds);
  const refreshLifetime = positiveSeconds(body.refresh_token_expires_in ?? body.refresh_expires_in);
  return {
    accessToken,
    ...(refreshToken !== undefined ? { refreshToken } : {}),
    ...(idToken !== undefined ? { idToken } : {}),
    ...(expiry.seconds !== undefined ? { expiresAt: nowSeconds + expiry.seconds } : {}),
    expiresAtSource: expiry.source,
    ...(refreshToken !== undefined && refreshLifetime !== undefined
      ? { refreshTokenExpiresAt: nowSeconds + refreshLifetime }
      : {}),
    ...(scope !== undefined ? { scope } : {}),
  };
}

/** Lifetime in seconds and where it came from; see {@link parseTokenResponse}. */
export function readExpiry(
  expiresIn: unknown,
  hasRefreshToken: boolean,
  fallbackSeconds: number | undefined,
): { seconds?: number; source: UpstreamExpirySource } {
  if (expiresIn === undefined || expiresIn === null) {
    if (fallbackSeconds !== undefined) return { seconds: fallbackSeconds, source: 'fallback' };
    return hasRefreshToken ? { seconds: DEFAULT_FALLBACK_EXPIRES_IN_SECONDS, source: 'fallback' } : { source: 'none' };
  }
  const seconds = positiveSeconds(expiresIn);
  if (seconds !== undefined) return { seconds, source: 'upstream' };
  return { seconds: fallbackSeconds ?? DEFAULT_FALLBACK_EXPIRES_IN_SECONDS, source: 'fallback' };
}

/** A positive number of seconds (a JSON number or a digit string) up to ten years, floored. */
function positiveSeconds(value: unknown): number | undefined {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number < 1 || number > MAX_EXPIRES_IN_SECONDS) return undefined;
  return Math.floor(number);
}

function optionalString(value: unknown, invalid: () => Error): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid();
  return value;
}

function tokenError(
  operation: TokenResponseContext['operation'],
  response: UpstreamHttpResponse,
  body: Record<string, unknown>,
  now: number,
): UpstreamError {
  const upstreamError = typeof body.error === 'string' ? body.error : 'invalid';
  const upstreamDescription = typeof body.error_description === 'string' ? body.error_description : undefined;
  const details = { operation, upstreamStatus: response.status, upstreamError, upstreamDescription };
  if (GRANT_ERRORS.has(upstreamError)) {
    return new UpstreamRejectedError(
      operation === 'refresh'
        ? 'The identity provider refused the refresh token'
        : 'The identity provider refused the authorization code',
      { ...details, reason: 'invalid_grant' },
    );
  }
  if (BUSY_ERRORS.has(upstreamError)) {
    return new UpstreamTransientError(
      'The identity provider is temporarily unavailable',
      { ...details, reason: 'upstream_busy' },
      parseRetryAfter(response.headers.get('retry-after'), now) ?? DEFAULT_RETRY_AFTER_SECONDS,
    );
  }
  return new UpstreamProtocolError('The identity provider refused the token request of this server', {
    ...details,
    reason: 'error_response',
  });
}

function protocol(
  operation: UpstreamOperation,
  reason: 'malformed_response' | 'unexpected_status' | 'unsupported_token_type' | 'redirect',
  message: string,
  upstreamStatus: number,
): UpstreamProtocolError {
  return new UpstreamProtocolError(message, { operation, reason, upstreamStatus });
}

/**
 * The token set of a parsed success: the reported `scope` split with the provider's separator
 * and mapped to MCP scopes (never more than `requested`). @internal
 */
export function toUpstreamTokens(
  policy: UpstreamScopePolicy,
  parsed: ParsedTokenResponse,
  requested: readonly string[] | undefined,
  nowMs: number,
): UpstreamTokens {
  const reported = parsed.scope !== undefined ? splitScopes(policy, parsed.scope) : undefined;
  const granted = grantedScopes(policy, reported, requested);
  return {
    accessToken: parsed.accessToken,
    tokenType: 'Bearer',
    ...(parsed.refreshToken !== undefined ? { refreshToken: parsed.refreshToken } : {}),
    ...(parsed.idToken !== undefined ? { idToken: parsed.idToken } : {}),
    ...(parsed.expiresAt !== undefined ? { expiresAt: parsed.expiresAt } : {}),
    expiresAtSource: parsed.expiresAtSource,
    ...(parsed.refreshTokenExpiresAt !== undefined ? { refreshTokenExpiresAt: parsed.refreshTokenExpiresAt } : {}),
    scopes: granted.scopes,
    upstreamScopes: granted.upstreamScopes,
    scopesReported: granted.reported,
    receivedAt: Math.floor(nowMs / 1000),
  };
}

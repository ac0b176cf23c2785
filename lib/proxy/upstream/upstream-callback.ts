import {
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
  type UpstreamError,
} from './upstream.errors.js';

/**
 * The query of the upstream's redirect to the callback: a `URLSearchParams`, or a parsed query
 * object as Express gives it (values may be strings, arrays or, with extended parsing, objects).
 * @publicApi
 */
export type UpstreamCallbackQuery = URLSearchParams | Readonly<Record<string, unknown>>;

/** What {@link readCallback} checks against. @internal */
export interface CallbackExpectation {
  readonly state: string;
  /** The upstream's issuer and its aliases; `undefined` when the upstream has no issuer identifier. */
  readonly issuers: readonly string[] | undefined;
  /** RFC 9207: the upstream advertises `iss`, so a missing one is refused. */
  readonly issRequired: boolean;
  readonly maxCodeLength: number;
  readonly sameState: (a: string, b: string) => boolean;
}

/** Authorization errors that mean the user (or policy) refused: forwarded as `access_denied`. */
const DENIALS = new Set([
  'access_denied',
  'consent_required',
  'login_required',
  'interaction_required',
  'account_selection_required',
]);
/** Authorization errors worth a retry later. */
const BUSY = new Set(['temporarily_unavailable', 'server_error']);

/**
 * Validates an upstream authorization response (RFC 6749 §4.1.2, RFC 9207 §2.4), in this order:
 *
 * 1. every parameter appears at most once and is a string (security catalog CB-05);
 * 2. `state` equals the transaction's, compared in constant time;
 * 3. `iss`, for success and error responses alike: refused when present and not the upstream's
 *    issuer, or absent while the upstream advertises RFC 9207 (mix-up defence, CB-08);
 * 4. `error`: a user or policy refusal → {@link UpstreamRejectedError} `access_denied`;
 *    `temporarily_unavailable`/`server_error` → transient; anything else (`invalid_scope`,
 *    `unauthorized_client`, `redirect_uri_mismatch`…) concerns our request, not the MCP client's
 *    → {@link UpstreamProtocolError}. The upstream `error_description` is never part of the
 *    message; a sanitised, shortened copy is kept on the error for logs (CB-06);
 * 5. a non-empty `code` of bounded length (CB-07).
 *
 * @internal
 */
export function readCallback(query: UpstreamCallbackQuery, expected: CallbackExpectation): { code: string } {
  const get = (name: string): string | undefined => single(query, name);
  const state = get('state');
  if (state === undefined || !expected.sameState(state, expected.state)) {
    throw callbackProblem('state_mismatch', 'The authorization response does not belong to this transaction');
  }
  const iss = get('iss');
  if (iss !== undefined ? expected.issuers !== undefined && !expected.issuers.includes(iss) : expected.issRequired) {
    throw callbackProblem(
      'issuer_mismatch',
      'The authorization response was not issued by the expected identity provider',
    );
  }
  const error = get('error');
  if (error !== undefined) throw authorizationError(error, get('error_description'));
  const code = get('code');
  if (code === undefined || code === '' || code.length > expected.maxCodeLength) {
    throw callbackProblem('missing_code', 'The authorization response carries no usable authorization code');
  }
  return { code };
}

function single(query: UpstreamCallbackQuery, name: string): string | undefined {
  const values: unknown[] =
    query instanceof URLSearchParams ? query.getAll(name) : Object.hasOwn(query, name) ? [query[name]].flat() : [];
  if (values.length === 0 || (values.length === 1 && values[0] === undefined)) return undefined;
  if (values.length > 1 || typeof values[0] !== 'string') {
    throw callbackProblem('state_mismatch', 'The authorization response repeats or nests a parameter');
  }
  return values[0];
}

function authorizationError(error: string, description: string | undefined): UpstreamError {
  const details = { operation: 'authorization' as const, upstreamError: error, upstreamDescription: description };
  if (DENIALS.has(error)) {
    return new UpstreamRejectedError('The user or the identity provider denied the authorization request', {
      ...details,
      reason: 'access_denied',
    });
  }
  if (BUSY.has(error)) {
    return new UpstreamTransientError('The identity provider is temporarily unavailable', {
      ...details,
      reason: 'upstream_busy',
    });
  }
  return new UpstreamProtocolError('The identity provider refused the authorization request of this server', {
    ...details,
    reason: 'error_response',
  });
}

function callbackProblem(
  reason: 'state_mismatch' | 'issuer_mismatch' | 'missing_code',
  message: string,
): UpstreamProtocolError {
  return new UpstreamProtocolError(message, { operation: 'authorization', reason });
}

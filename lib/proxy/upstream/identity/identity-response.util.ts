import {
  UpstreamProtocolError,
  UpstreamRejectedError,
  UpstreamTransientError,
  type UpstreamError,
} from '../upstream.errors.js';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  parseJsonObject,
  parseRetryAfter,
  transientStatusError,
  type UpstreamHttp,
  type UpstreamHttpResponse,
} from '../upstream-http.js';

/** Largest identity (userinfo, `/user`) response read. */
export const MAX_IDENTITY_BYTES = 256 * 1024;

/**
 * Classifies an identity API answer that is not a 200 (security catalog F-11): 401 means the
 * upstream says the token is invalid ({@link UpstreamRejectedError} `invalid_token`); 5xx, 429 and
 * a rate-limit 403 (`X-RateLimit-Remaining: 0` or `Retry-After`, GitHub's primary and secondary
 * limits) are transient; anything else is a protocol failure. A transient failure must never be
 * cached as "invalid token".
 *
 * @internal
 */
export function identityStatusError(response: UpstreamHttpResponse, now: number): UpstreamError {
  const details = { operation: 'identity' as const, upstreamStatus: response.status };
  if (response.status === 401) {
    return new UpstreamRejectedError('The identity provider refused the access token', {
      ...details,
      reason: 'invalid_token',
    });
  }
  const transient = transientStatusError('identity', response, now);
  if (transient) return transient;
  if (
    response.status === 403 &&
    (response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after'))
  ) {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const untilReset = Number.isFinite(reset) && reset > 0 ? String(Math.ceil(reset - now / 1000)) : undefined;
    return new UpstreamTransientError(
      'The identity provider is rate limiting requests',
      { ...details, reason: 'rate_limited' },
      parseRetryAfter(response.headers.get('retry-after') ?? untilReset, now) ?? DEFAULT_RETRY_AFTER_SECONDS,
    );
  }
  return new UpstreamProtocolError('The identity provider answered an unexpected status', {
    ...details,
    reason: response.status >= 300 && response.status < 400 ? 'redirect' : 'unexpected_status',
  });
}

/**
 * `GET url` with the access token as a Bearer credential; the JSON object answered with 200.
 * @throws UpstreamError as {@link identityStatusError} says, or a protocol error for a body that
 * is not a JSON object.
 * @internal
 */
export async function getIdentityJson(
  http: UpstreamHttp,
  url: string,
  accessToken: string,
  now: () => number,
  headers: Record<string, string> = {},
): Promise<{ body: Record<string, unknown>; response: UpstreamHttpResponse }> {
  const response = await http.request(
    'identity',
    url,
    { method: 'GET', headers: { accept: 'application/json', ...headers, authorization: `Bearer ${accessToken}` } },
    MAX_IDENTITY_BYTES,
  );
  if (response.status !== 200) throw identityStatusError(response, now());
  const body = parseJsonObject(response.text);
  if (body === undefined) {
    throw new UpstreamProtocolError('The identity provider answered with an unreadable response', {
      operation: 'identity',
      reason: 'malformed_response',
      upstreamStatus: 200,
    });
  }
  return { body, response };
}

/** The identity has no usable subject (security catalog CB-11). @internal */
export function missingSubject(): UpstreamProtocolError {
  return new UpstreamProtocolError('The identity provider did not identify the user', {
    operation: 'identity',
    reason: 'missing_subject',
  });
}

/** Keeps the members whose values are JSON scalars or arrays of scalars (no nested objects). @internal */
export function pickClaims(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const name of names) {
    const value = source[name];
    if (value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value))) continue;
    claims[name] = value;
  }
  return claims;
}

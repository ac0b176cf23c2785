import type { BrowserResponse } from './browser.js';
import type { HttpAnswer } from './flow.js';

/** Signs of an internal error leaking into a response body (I-6). */
const STACK_TRACE = /\n\s+at |Error: .*\n|node_modules|\.ts:\d+|\.js:\d+/;

/**
 * TERR(s, e) of the catalog (0.3): a token-style JSON error with the status, the RFC error code,
 * `Cache-Control: no-store`, `application/json`, and a clean `error_description` (I-6: no
 * CR/LF/TAB, `"` or `\`, no stack trace).
 */
export function expectOAuthError(response: HttpAnswer, status: number, error: string): void {
  const context = `${response.status} ${response.text}`;
  expect({ status: response.status, error: response.body?.error, context }).toEqual({ status, error, context });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expectCleanBody(response.text);
  const description = response.body?.error_description;
  if (description !== undefined) {
    expect(typeof description).toBe('string');
    expect(description).not.toMatch(/[\r\n\t"\\]/);
  }
}

/** I-6: no stack trace, no file paths. */
export function expectCleanBody(text: string): void {
  expect(text).not.toMatch(STACK_TRACE);
}

/**
 * EPAGE of the catalog: the authorization server renders an error page — no `Location`, HTML
 * with the page security headers, the RFC error code shown — and never redirects.
 */
export function expectErrorPage(response: BrowserResponse, error?: string, status = 400): void {
  const context = `${response.status} ${response.location?.href ?? ''} ${response.body.slice(0, 300)}`;
  expect({ status: response.status, location: response.headers.get('location'), context }).toEqual({
    status,
    location: null,
    context,
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('cache-control')).toBe('no-store');
  if (error) expect(response.body).toContain(`<code>${error}</code>`);
  expectCleanBody(response.body);
}

/**
 * EREDIR(e) of the catalog: 302/303 (never 307/308) to the registered redirect URI with
 * `error`, the original `state`, RFC 9207 `iss`, and no `code`.
 */
export function expectErrorRedirect(
  response: BrowserResponse,
  expected: { redirectUri: string; error: string; state: string | undefined; issuer: string },
): URL {
  expect([302, 303]).toContain(response.status);
  const location = response.location!;
  expect(`${location.origin}${location.pathname}`).toBe(expected.redirectUri);
  expect(location.searchParams.get('error')).toBe(expected.error);
  expect(location.searchParams.get('state')).toBe(expected.state ?? null);
  expect(location.searchParams.getAll('iss')).toEqual([expected.issuer]);
  expect(location.searchParams.has('code')).toBe(false);
  return location;
}

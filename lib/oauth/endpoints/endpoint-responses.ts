import type { Request, Response } from 'express';
import { McpAuthHttpError } from '../../core/errors/mcp-auth.error.js';
import { PAGE_HEADERS } from '../pages/page-layout.js';
import type { McpAuthPages } from '../pages/pages.js';

/** JSON answer of a back-channel endpoint (token, register, revoke, introspect, metadata). */
export function sendJson(
  response: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
  response.end(text);
}

/**
 * An OAuth error as JSON (RFC 6749 §5.2): `{ error, error_description }`, `no-store`, and the
 * status of the error (401 for `invalid_client`, with a `Basic` challenge when the client tried
 * Basic authentication; `Retry-After` for 429 and 503). Unknown errors become
 * `temporarily_unavailable`-style 5xx answers without internals.
 */
export function sendOAuthError(response: Response, error: unknown, options: { basicChallenge?: boolean } = {}): void {
  const failure = toHttpError(error);
  const headers: Record<string, string> = {};
  if (failure.status === 401 && failure.error === 'invalid_client' && options.basicChallenge) {
    headers['WWW-Authenticate'] = 'Basic realm="token", charset="UTF-8"';
  }
  const retryAfter = (failure as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter === 'number') headers['Retry-After'] = String(retryAfter);
  sendJson(
    response,
    failure.status,
    { error: failure.error ?? 'invalid_request', error_description: failure.description },
    headers,
  );
}

/** An HTML page answer with the pages' security headers. */
export function sendPage(
  response: Response,
  status: number,
  markup: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(markup), ...headers });
  response.end(markup);
}

/** The error page (never a redirect): for a bad client or redirect URI (EPAGE). */
export function sendErrorPage(
  response: Response,
  pages: McpAuthPages,
  status: number,
  error: string,
  message: string,
): void {
  sendPage(response, status, pages.error({ title: 'This request cannot be completed', message, error }));
}

/**
 * The error page for an exception thrown while handling a browser page: its own status when it is
 * a server-side failure (503 with the storage down), 400 otherwise, with its OAuth error code.
 */
export function sendFailurePage(response: Response, pages: McpAuthPages, error: unknown): void {
  const failure = toHttpError(error);
  sendErrorPage(
    response,
    pages,
    failure.status >= 500 ? failure.status : 400,
    failure.error ?? 'server_error',
    failure.description,
  );
}

/**
 * A redirect after a user action: 303 after a POST (never 307/308, which would replay the form
 * to the next site, OAuth 2.1 §7.5.3), 302 otherwise.
 */
export function redirect(
  request: Request,
  response: Response,
  location: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(request.method === 'POST' ? 303 : 302, {
    Location: location,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    ...headers,
  });
  response.end();
}

/** Anything thrown → an HTTP error with an RFC code; internals are never exposed. */
export function toHttpError(error: unknown): McpAuthHttpError {
  if (error instanceof McpAuthHttpError) return error;
  return new InternalServerError(error);
}

class InternalServerError extends McpAuthHttpError {
  readonly code = 'ERR_MCP_AUTH_INTERNAL';
  readonly error = 'server_error';
  readonly status = 500;
  constructor(cause: unknown) {
    super('The authorization server failed to process the request', { cause });
  }
}

/** CORS for back-channel endpoints browser clients call directly: any origin, never credentials. */
export function applyPublicCors(request: Request, response: Response, methods: string): boolean {
  response.setHeader('Access-Control-Allow-Origin', '*');
  if (request.method !== 'OPTIONS') return false;
  response.writeHead(204, {
    'Access-Control-Allow-Methods': methods,
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, MCP-Protocol-Version',
    'Access-Control-Max-Age': '86400',
  });
  response.end();
  return true;
}

/**
 * The prelude of a back-channel POST endpoint (token, revocation, registration, introspection):
 * answers a CORS preflight, or a method other than POST with 405.
 * @returns whether the request was answered here.
 */
export function answeredUnlessPost(request: Request, response: Response): boolean {
  if (applyPublicCors(request, response, 'POST, OPTIONS')) return true;
  if (request.method === 'POST') return false;
  sendJson(response, 405, { error: 'invalid_request', error_description: 'Use POST' }, { Allow: 'POST, OPTIONS' });
  return true;
}

import type { Request } from 'express';
import { invalidRequest } from '../oauth.errors.js';

/** Longest single parameter value read (codes, tokens, verifiers, URIs): larger inputs never reach the store. */
export const MAX_PARAMETER_LENGTH = 4096;

/**
 * The `application/x-www-form-urlencoded` body of a back-channel request (RFC 6749 §3.2). JSON
 * bodies are refused rather than guessed at (TK-13), and parameters in the query string are not
 * read at all.
 *
 * @throws OAuthEndpointError `invalid_request`.
 */
export function formParameters(request: Request): Record<string, unknown> {
  const type = request.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw invalidRequest('The request body must be application/x-www-form-urlencoded');
  }
  const body: unknown = request.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * One parameter as a string: repeated parameters (arrays) and bracket syntax objects from an
 * extended query parser (`code[$ne]=1`) are `invalid_request`, never a TypeError or an
 * injection (TK-13, A-07); over-long values too (TK-14).
 */
export function single(params: Record<string, unknown>, name: string, required: true): string;
export function single(params: Record<string, unknown>, name: string, required?: false): string | undefined;
export function single(params: Record<string, unknown>, name: string, required = false): string | undefined {
  const value = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined || value === '') {
    if (required) throw invalidRequest(`${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw invalidRequest(`${name} must be given once`);
  if (value.length > MAX_PARAMETER_LENGTH) throw invalidRequest(`${name} is too long`);
  return value;
}

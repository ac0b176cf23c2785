import { HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { McpAccessToken } from '../core/access-token.js';
import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import { InsufficientScopeError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { buildBearerChallenge } from '../core/www-authenticate.js';

const logger = new Logger('McpAuth');

/** Scopes never repeated in challenges (MCP 2026-07-28 "Refresh Tokens"). */
const NEVER_CHALLENGED = new Set(['offline_access']);

/**
 * The one place where auth failures become HTTP answers: sets `WWW-Authenticate` (401/403),
 * `Retry-After` (503) and `Cache-Control: no-store` on the response, and returns the exception
 * that Nest then writes as a JSON body `{ error, error_description }`.
 *
 * Scopes named in the challenge:
 * - 401: the scopes the operation needs, else the advertised `scopesSupported`;
 * - 403: every scope the operation needs, plus the token's other granted scopes that this
 *   server advertises, so clients that replace rather than union their scope (SDK v1) keep
 *   what they had (MCP 2025-11-25 "recommended approach").
 */
export function authErrorResponse(
  error: unknown,
  response: Response,
  options: ResolvedMcpAuthOptions,
  context: { requiredScopes: readonly string[]; token?: McpAccessToken },
): HttpException {
  const failure = asHttpError(error);
  const unexpected = failure !== error;
  response.setHeader('Cache-Control', 'no-store');
  if (failure.status === 401 || failure.status === 403) {
    response.setHeader(
      'WWW-Authenticate',
      buildBearerChallenge({
        error: failure.error,
        errorDescription: failure.error ? failure.description : undefined,
        resourceMetadata: options.authorizationServers.length > 0 ? options.resourceMetadataUrl : undefined,
        scopes: challengeScopes(failure, options, context),
      }),
    );
  }
  const retryAfter = (failure as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (failure.status >= 500 && typeof retryAfter === 'number') {
    response.setHeader('Retry-After', String(retryAfter));
    // Unexpected errors were already logged with their stack by asHttpError.
    if (!unexpected)
      logger.warn(`${failure.message}${failure.cause instanceof Error ? `: ${failure.cause.message}` : ''}`);
  }
  const body = failure.error
    ? { error: failure.error, error_description: failure.description }
    : { error_description: failure.description };
  return new HttpException(body, failure.status, { cause: failure });
}

/** Unknown exceptions from a verifier mean "cannot judge the token": 503, never a 500. */
export function asHttpError(error: unknown): McpAuthHttpError {
  if (error instanceof McpAuthHttpError) return error;
  logger.error('Token verification failed unexpectedly', error instanceof Error ? error.stack : String(error));
  return new VerifierUnavailableError('The access token cannot be verified right now', { cause: error });
}

function challengeScopes(
  failure: McpAuthHttpError,
  options: ResolvedMcpAuthOptions,
  context: { requiredScopes: readonly string[]; token?: McpAccessToken },
): readonly string[] {
  if (failure instanceof InsufficientScopeError) {
    const advertised = new Set(options.scopesSupported ?? []);
    const kept = (context.token?.scopes ?? []).filter((s) => advertised.has(s));
    return [...new Set([...failure.requiredScopes, ...kept])].filter((s) => !NEVER_CHALLENGED.has(s));
  }
  const scopes = context.requiredScopes.length > 0 ? context.requiredScopes : (options.scopesSupported ?? []);
  return scopes.filter((s) => !NEVER_CHALLENGED.has(s));
}

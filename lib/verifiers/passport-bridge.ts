import type { Request } from 'express';
import { Strategy as PassportStrategyBase } from 'passport-strategy';
import type { McpAccessToken } from '../core/access-token.js';
import { extractBearerToken } from '../core/bearer-token.js';
import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import { VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';

/** The Passport strategy actions `authenticate` reports through. */
interface PassportActions {
  success(user: McpAccessToken): void;
  fail(challenge: string, status: number): void;
  error(err: Error): void;
}

/**
 * Runs Passport's `authenticate(req)` through a {@link McpTokenVerifier}, so a level used as a
 * Passport strategy (for example with `@nestjs/passport`'s `AuthGuard('mcp-auth')`) accepts and
 * rejects exactly the tokens the module's own guard does: token found → `success(token)`;
 * rejected → `fail(description, 401|403)`; dependency down or unexpected error → `error(err)`
 * with an error carrying HTTP status 503.
 */
export function authenticateWithVerifier(actions: PassportActions, verifier: McpTokenVerifier, req: Request): void {
  let token: string;
  try {
    token = extractBearerToken(req.headers.authorization);
  } catch (error) {
    const failure = error as McpAuthHttpError;
    return actions.fail(failure.description, failure.status);
  }
  verifier.verify(token).then(
    (verified) => actions.success(verified),
    (error: unknown) => {
      if (error instanceof McpAuthHttpError && error.status < 500) return actions.fail(error.description, error.status);
      actions.error(withHttpStatus(error));
    },
  );
}

/**
 * Fix (policy P-1): an error passed to Passport's `error()` reached `@nestjs/passport`'s
 * `AuthGuard`, and Nest's default exception filter answered it with a 500. The error now has
 * the `http-errors` shape (`status` = `statusCode`, `expose`) that Nest's filter and Express's
 * final handler both honour, so a verifier dependency outage is a 503 there too. The message
 * stays hidden (`expose: false`); unexpected errors become {@link VerifierUnavailableError}s,
 * as the module's guard treats them.
 */
function withHttpStatus(error: unknown): Error {
  const failure =
    error instanceof McpAuthHttpError
      ? error
      : new VerifierUnavailableError('The access token cannot be verified right now', { cause: error });
  if (!('statusCode' in failure)) {
    Object.defineProperties(failure, {
      statusCode: { value: failure.status, enumerable: false },
      expose: { value: false, enumerable: false },
    });
  }
  return failure;
}

/**
 * Base of the levels that have no dedicated Passport package: a Passport strategy whose
 * `authenticate` delegates to the level's {@link McpTokenVerifier.verify}.
 *
 * @publicApi
 */
export abstract class McpPassportStrategy extends PassportStrategyBase implements McpTokenVerifier {
  /** Passport strategy name, e.g. `mcp-introspection`. */
  abstract name: string;

  abstract verify(token: string): Promise<McpAccessToken>;

  override authenticate(req: Request): void {
    authenticateWithVerifier(this as unknown as PassportActions, this, req);
  }
}

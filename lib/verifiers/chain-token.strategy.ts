import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError, VerifierUnavailableError } from '../core/errors/token.errors.js';
import type { McpTokenVerifier } from '../core/token-verifier.js';
import { McpPassportStrategy } from './passport-bridge.js';

/**
 * Rejection reasons that mean "this verifier does not know the token" rather than "this
 * verifier knows the token and refuses it": when every member refuses, the more specific
 * refusal is reported.
 */
const NOT_MINE = new Set(['unknown_key', 'issuer', 'malformed', 'unknown', 'inactive']);

/**
 * Level 1: tries several verifiers in order; the first that accepts the token wins (for example
 * the proxy's own tokens first, then machine-to-machine JWTs from another issuer).
 *
 * When none accepts it: if any member could not judge the token (its dependency is down), the
 * result is a 503, because that member might have accepted it; otherwise a 401.
 *
 * @publicApi
 */
export class ChainTokenStrategy extends McpPassportStrategy {
  name = 'mcp-chain';

  constructor(private readonly verifiers: readonly McpTokenVerifier[]) {
    super();
  }

  async verify(token: string): Promise<McpAccessToken> {
    let unavailable: VerifierUnavailableError | undefined;
    const refusals: InvalidTokenError[] = [];
    for (const verifier of this.verifiers) {
      try {
        return await verifier.verify(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) refusals.push(error);
        else if (error instanceof VerifierUnavailableError) unavailable ??= error;
        else unavailable ??= new VerifierUnavailableError('A token verifier failed unexpectedly', { cause: error });
      }
    }
    if (unavailable) throw unavailable;
    throw refusals.find((r) => !NOT_MINE.has(r.reason)) ?? refusals[0] ?? new InvalidTokenError('Unknown access token');
  }
}

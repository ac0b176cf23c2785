import { Inject } from '@nestjs/common';
import type { McpAccessToken } from './access-token.js';

/**
 * The one contract every auth level implements: turn a bearer token into a verified
 * {@link McpAccessToken}, or throw a typed {@link McpAuthError}.
 *
 * Implementations must throw:
 * - `InvalidTokenError` for any token that is bad, expired or not meant for this server (→ 401);
 * - `VerifierUnavailableError` when the token cannot be judged because a dependency (JWKS,
 *   introspection endpoint, upstream API) is unreachable (→ 503, so clients keep their tokens).
 *
 * Any other exception is treated as `VerifierUnavailableError` by the guard, never as a 500.
 *
 * @publicApi
 */
export interface McpTokenVerifier {
  verify(token: string): Promise<McpAccessToken>;
}

/** DI token of the verifier the module resolved from its options. @publicApi */
export const MCP_TOKEN_VERIFIER = Symbol('MCP_AUTH:TOKEN_VERIFIER');

/** Injects the module's {@link McpTokenVerifier}. @publicApi */
export const InjectMcpTokenVerifier = (): ParameterDecorator => Inject(MCP_TOKEN_VERIFIER);

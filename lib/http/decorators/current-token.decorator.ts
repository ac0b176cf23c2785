import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { McpAccessToken } from '../../core/access-token.js';
import { MCP_ACCESS_TOKEN_PROPERTY } from '../../mcp-auth.constants.js';

/** Reads the token the guard stored on the request; `undefined` on public routes. */
export function accessTokenOf(request: object): McpAccessToken | undefined {
  return (request as Record<string, McpAccessToken | undefined>)[MCP_ACCESS_TOKEN_PROPERTY];
}

/**
 * Injects the verified {@link McpAccessToken}, or one of its fields (`sub`, `clientId`,
 * `scopes`, `expiresAt`, `claims`, `resource`…), into a route handler or `@McpTool` method.
 * It reads what the guard stored and never verifies again.
 *
 * @example
 * ```ts
 * @McpTool({ name: 'whoami', description: 'Who is calling' })
 * whoami(@CurrentToken('sub') sub: string) { return `you are ${sub}`; }
 * ```
 * @publicApi
 */
export const CurrentToken = createParamDecorator(
  (field: keyof McpAccessToken | undefined, context: ExecutionContext) => {
    const token = accessTokenOf(context.switchToHttp().getRequest<object>());
    return field === undefined ? token : token?.[field];
  },
);

import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { isScopeToken } from '../../core/options/validators.js';
import { MCP_PROTECTED_METADATA } from '../../mcp-auth.constants.js';
import { McpAuthGuard } from '../guards/mcp-auth.guard.js';

/**
 * Options of {@link McpProtected}.
 * @publicApi
 */
export interface McpProtectedOptions {
  /**
   * Scopes the caller's token must grant (all of them). On a class and on a method, both
   * lists apply. On an `@McpTool` method, the tool is hidden from `tools/list` for callers
   * without them, and `tools/call` answers HTTP 403 `insufficient_scope` before running it.
   */
  scopes?: string[];
}

/**
 * Requires a verified bearer token on a controller, a route handler or an `@McpTool` method.
 *
 * - no token: 401 with `WWW-Authenticate: Bearer resource_metadata="…", scope="…"`;
 * - bad or expired token: 401 `invalid_token`;
 * - missing scopes: 403 `insufficient_scope` naming every scope needed;
 * - token cannot be judged (JWKS or introspection down): 503 with `Retry-After`.
 *
 * @example
 * ```ts
 * @McpProtected({ scopes: ['notes:read'] })
 * @Get('notes')
 * list(@CurrentToken('sub') userId: string) { … }
 * ```
 * @publicApi
 */
export function McpProtected(options: McpProtectedOptions = {}): MethodDecorator & ClassDecorator {
  const invalid = (options.scopes ?? []).filter((scope) => typeof scope !== 'string' || !isScopeToken(scope));
  if (invalid.length > 0) {
    // Scopes end up in WWW-Authenticate challenges: refuse what RFC 6749 §3.3 does not allow, at
    // declaration time rather than as a broken header at request time.
    throw new TypeError(
      `@McpProtected: invalid scope(s) ${JSON.stringify(invalid)} (RFC 6749 scope-token characters only)`,
    );
  }
  return applyDecorators(SetMetadata(MCP_PROTECTED_METADATA, options), UseGuards(McpAuthGuard));
}

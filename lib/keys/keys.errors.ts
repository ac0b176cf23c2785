import { McpAuthError } from '../core/errors/mcp-auth.error.js';

/**
 * No configured signing key may sign at this moment: every key is retired or not yet active.
 * The key configuration has a gap in time (a warning names it at bootstrap); the endpoint
 * issuing tokens answers with a server error until a key signs again.
 *
 * @publicApi
 */
export class NoActiveSigningKeyError extends McpAuthError {
  readonly code = 'ERR_MCP_AUTH_NO_SIGNING_KEY';
}

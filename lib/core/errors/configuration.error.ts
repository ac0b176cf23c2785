import { McpAuthError } from './mcp-auth.error.js';

/**
 * The module options (or environment variables) are invalid. Thrown once, at bootstrap, with a
 * message that names every offending option and what is wrong with it.
 *
 * @publicApi
 */
export class McpAuthConfigurationError extends McpAuthError {
  readonly code = 'ERR_MCP_AUTH_CONFIGURATION';

  constructor(
    /** One line per problem, each starting with the option path, e.g. `verifier.issuer: …`. */
    readonly problems: readonly string[],
  ) {
    super(`Invalid nestjs-mcp-auth configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** DI token of the {@link ResolvedMcpAuthOptions}. @publicApi */
export const MCP_AUTH_RESOLVED_OPTIONS = 'MCP_AUTH:RESOLVED_OPTIONS';

/** Metadata key written by `@McpProtected()`. */
export const MCP_PROTECTED_METADATA = 'MCP_AUTH:PROTECTED';

/** Metadata key written by `@McpPublic()`. */
export const MCP_PUBLIC_METADATA = 'MCP_AUTH:PUBLIC';

/** Name under which the module's verifier is registered with Passport. @publicApi */
export const MCP_AUTH_PASSPORT_STRATEGY = 'mcp-auth';

/**
 * Property of the HTTP request on which the guard stores the verified {@link McpAccessToken}.
 * `@CurrentToken()` reads it; application code may too.
 * @publicApi
 */
export const MCP_ACCESS_TOKEN_PROPERTY = 'mcpAccessToken';

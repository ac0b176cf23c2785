/** DI token of the {@link AuthorizationServerSettings}. */
export const MCP_AUTH_AS_SETTINGS = 'MCP_AUTH:AS_SETTINGS';

import { McpAuthConfigurationError } from './configuration.error.js';
import { McpAuthError } from './mcp-auth.error.js';

describe('McpAuthConfigurationError', () => {
  it('lists every problem, one per line, and keeps them for programs', () => {
    const error = new McpAuthConfigurationError(['resourceUrl: must be a URL', 'verifier.type: must be one of jwt']);
    expect(error).toBeInstanceOf(McpAuthError);
    expect(error.code).toBe('ERR_MCP_AUTH_CONFIGURATION');
    expect(error.name).toBe('McpAuthConfigurationError');
    expect(error.problems).toEqual(['resourceUrl: must be a URL', 'verifier.type: must be one of jwt']);
    expect(error.message).toBe(
      'Invalid nestjs-mcp-auth configuration:\n  - resourceUrl: must be a URL\n  - verifier.type: must be one of jwt',
    );
  });
});

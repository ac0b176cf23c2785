import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';

/**
 * Issue 7, item 1: `McpAuthModule.forRoot()` without a level (`verifier`, `remote`, `proxy`,
 * `server`) takes it from `MCP_AUTH_PROVIDER` and its variables; code wins field by field.
 */
describe('forRoot() without a level reads the environment', () => {
  const saved = { ...process.env };
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const name of Object.keys(process.env)) if (name.startsWith('MCP_AUTH_')) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('builds the level from MCP_AUTH_PROVIDER and its variables', async () => {
    process.env.MCP_AUTH_PROVIDER = 'jwt';
    process.env.MCP_AUTH_JWT_ISSUER = 'https://issuer.example.com';
    process.env.MCP_AUTH_JWT_JWKS_URI = 'https://issuer.example.com/jwks';
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      authorizationServers: ['https://issuer.example.com'],
    }));
    const response = await fetch(`${app.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(((await response.json()) as { authorization_servers: string[] }).authorization_servers).toEqual([
      'https://issuer.example.com',
    ]);
    // The JWT verifier is active: a request without a token gets the Bearer challenge.
    const mcp = await fetch(app.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(mcp.status).toBe(401);
  });

  it('reports every bad variable at start-up by name', async () => {
    process.env.MCP_AUTH_PROVIDER = 'jwt';
    process.env.MCP_AUTH_JWT_JWKS_URI = 'not a url';
    await expect(startMcpApp((origin) => ({ resourceUrl: `${origin}/mcp` }))).rejects.toThrow(
      /MCP_AUTH_JWT_ISSUER[\s\S]*MCP_AUTH_JWT_JWKS_URI|MCP_AUTH_JWT_JWKS_URI[\s\S]*MCP_AUTH_JWT_ISSUER/,
    );
  });

  it('ignores the environment when the code names a level', async () => {
    process.env.MCP_AUTH_PROVIDER = 'jwt';
    process.env.MCP_AUTH_JWT_JWKS_URI = 'not a url';
    app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      verifier: { type: 'static', tokens: { 'dev-token-0123456789': { sub: 'alice' } } },
    }));
    const mcp = await fetch(app.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: 'Bearer dev-token-0123456789',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(200);
  });
});

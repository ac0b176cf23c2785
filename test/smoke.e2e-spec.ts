import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { JwksServer } from './helpers/jwks-server.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { mint } from './helpers/jwt.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';

describe('smoke', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let running: RunningApp;

  beforeAll(async () => {
    key = await testKey('k1');
    jwks = await new JwksServer().start([key.publicJwk]);
    running = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      authorizationServers: ['http://127.0.0.1:4000'],
      scopesSupported: ['notes:read'],
      verifier: { type: 'jwt', issuer: 'http://127.0.0.1:4000', jwksUri: jwks.url },
    }));
  });
  afterAll(async () => {
    await running.close();
    await jwks.stop();
  });

  it('v1 client calls a tool', async () => {
    const token = await mint(
      { iss: 'http://127.0.0.1:4000', aud: running.mcpUrl, sub: 'u1', client_id: 'c1', scope: 'notes:read' },
      { key },
    );
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(running.mcpUrl), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['echo', 'list_notes', 'whoami']);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'hi:c1' }]);
    await client.close();
  });

  it('401 without token', async () => {
    const res = await fetch(running.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${running.origin}/.well-known/oauth-protected-resource/mcp", scope="notes:read"`,
    );
  });
});

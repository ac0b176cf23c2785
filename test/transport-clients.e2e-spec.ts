import { InsufficientScopeError as ClientInsufficientScope } from '@modelcontextprotocol/client';
import { connectV1, connectV2, parseBearerChallenge } from './helpers/clients.js';
import { JwksServer } from './helpers/jwks-server.js';
import { mint } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { TransportTools } from './fixtures/transport.tools.js';

const ISSUER = 'http://127.0.0.1:4000';

describe('MCP endpoint with the official SDK clients', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let running: RunningApp;
  let notes: NotesTools;
  let tools: TransportTools;
  const token = (scope: string, sub = 'u1') =>
    mint({ iss: ISSUER, aud: running.mcpUrl, sub, client_id: `client-${sub}`, scope }, { key });

  beforeAll(async () => {
    key = await testKey('k1');
    jwks = await new JwksServer().start([key.publicJwk]);
    running = await startMcpApp(
      (origin) => ({
        resourceUrl: `${origin}/mcp`,
        authorizationServers: [ISSUER],
        scopesSupported: ['notes:read'],
        verifier: { type: 'jwt', issuer: ISSUER, jwksUri: jwks.url },
      }),
      { providers: [NotesTools, TransportTools] },
    );
    notes = running.app.get(NotesTools);
    tools = running.app.get(TransportTools);
  });
  afterAll(async () => {
    await running?.close();
    await jwks?.stop();
  });
  beforeEach(() => {
    notes.notes.length = 0;
  });

  describe.each([
    ['SDK v1', connectV1],
    ['SDK v2', connectV2],
  ] as const)('%s', (_name, connect) => {
    it('lists only the tools the token may call and calls them', async () => {
      const client = await connect(running.mcpUrl, await token('notes:read'));
      const listed = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(listed).toEqual(['count', 'echo', 'fails', 'identity', 'list_notes', 'wait', 'whoami']);
      expect(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).toEqual({
        content: [{ type: 'text', text: 'hi:client-u1' }],
      });
      const identity = await client.callTool({ name: 'identity', arguments: {} });
      expect(JSON.parse((identity.content as Array<{ text: string }>)[0].text)).toEqual({
        sub: 'u1',
        scopes: ['notes:read'],
      });
      await client.close();
    });

    it('sees all tools with all scopes, and calls a scoped tool', async () => {
      const client = await connect(running.mcpUrl, await token('notes:read notes:write admin'));
      expect((await client.listTools()).tools).toHaveLength(9);
      await client.callTool({ name: 'add_note', arguments: { text: 'first' } });
      expect(await client.callTool({ name: 'list_notes', arguments: {} })).toMatchObject({
        structuredContent: { notes: ['first'] },
      });
      await client.close();
    });

    it('cannot connect without a token (HTTP 401)', async () => {
      const error = (await connect(running.mcpUrl).catch((e: unknown) => e)) as {
        code?: unknown;
        data?: { status?: number };
      };
      expect(error.code === 401 || error.data?.status === 401).toBe(true);
    });

    it('gets a 403 step-up challenge for a tool whose scope it lacks, and the tool does not run', async () => {
      const client = await connect(running.mcpUrl, await token('notes:read'));
      const attempt = client.callTool({ name: 'add_note', arguments: { text: 'nope' } });
      await expect(attempt).rejects.toThrow(/403|insufficient/i);
      expect(notes.notes).toEqual([]);
      await client.close();
    });

    it('reports tool failures as tool errors', async () => {
      const client = await connect(running.mcpUrl, await token(''));
      expect(await client.callTool({ name: 'fails', arguments: {} })).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: expect.stringContaining('tool exploded') }],
      });
      expect(await client.callTool({ name: 'echo', arguments: { text: 5 } })).toMatchObject({ isError: true });
      await client.close();
    });

    it('streams progress notifications before the result', async () => {
      const client = await connect(running.mcpUrl, await token(''));
      const progress: number[] = [];
      const onprogress = (p: { progress: number }) => progress.push(p.progress);
      const params = { name: 'count', arguments: { steps: 3 } };
      // v1: callTool(params, resultSchema?, options?); v2: callTool(params, options?)
      const result =
        _name === 'SDK v1'
          ? await (client as Awaited<ReturnType<typeof connectV1>>).callTool(params, undefined, { onprogress })
          : await (client as Awaited<ReturnType<typeof connectV2>>).callTool(params, { onprogress });
      expect(result.content).toEqual([{ type: 'text', text: 'counted to 3' }]);
      expect(progress).toEqual([1, 2, 3]);
      await client.close();
    });
  });

  it('SDK v2 reports the exact scopes of the 403 challenge', async () => {
    const client = await connectV2(running.mcpUrl, await token('notes:read'));
    const error = await client.callTool({ name: 'admin_only', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientInsufficientScope);
    expect(tools.completed).not.toContain('admin_only');
    await client.close();
  });

  it('the raw 403 names every scope the tool needs plus the granted advertised ones', async () => {
    const response = await fetch(running.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await token('notes:read')}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'admin_only', arguments: {} },
      }),
    });
    expect(response.status).toBe(403);
    expect(parseBearerChallenge(response.headers.get('www-authenticate'))).toEqual({
      error: 'insufficient_scope',
      error_description: 'The operation requires the scopes: admin',
      resource_metadata: `${running.origin}/.well-known/oauth-protected-resource/mcp`,
      scope: 'admin notes:read',
    });
    expect(await response.json()).toEqual({
      error: 'insufficient_scope',
      error_description: 'The operation requires the scopes: admin',
    });
  });

  it('SDK v2 in "auto" version negotiation is served on the 2026-07-28 path', async () => {
    const client = await connectV2(running.mcpUrl, await token('notes:read'), {
      versionNegotiation: { mode: 'auto' },
    } as never);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'modern' } })).toMatchObject({
      content: [{ type: 'text', text: 'modern:client-u1' }],
    });
    await client.close();
  });

  it('enforces per-tool scopes on the 2026-07-28 path too', async () => {
    const client = await connectV2(running.mcpUrl, await token('notes:read'), {
      versionNegotiation: { mode: 'auto' },
    } as never);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed).toContain('list_notes');
    expect(listed).not.toContain('add_note');
    expect(listed).not.toContain('admin_only');
    const error = await client.callTool({ name: 'admin_only', arguments: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientInsufficientScope);
    expect(tools.completed).not.toContain('admin_only');
    await client.close();
  });

  it('cancels the tool when the HTTP client disconnects', async () => {
    const controller = new AbortController();
    const pending = fetch(running.mcpUrl, {
      method: 'POST',
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${await token('')}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'wait', arguments: { label: 'l1' } },
      }),
    }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 150));
    controller.abort();
    await pending;
    for (let i = 0; i < 50 && !tools.aborted.includes('l1'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(tools.aborted).toContain('l1');
    expect(tools.completed).not.toContain('l1');
  });
});

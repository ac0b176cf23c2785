import { request as httpRequest } from 'node:http';
import { Injectable, type LoggerService } from '@nestjs/common';
import { McpAuthConfigurationError, type McpAccessToken, type McpTokenVerifier } from 'nestjs-mcp-auth';
import { parseBearerChallenge, postMcp, toolCall } from './helpers/clients.js';
import { JwksServer } from './helpers/jwks-server.js';
import { mint } from './helpers/jwt.js';
import { testKey, type TestKey } from './helpers/keys.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { NotesTools } from './fixtures/notes.tools.js';
import { TransportTools } from './fixtures/transport.tools.js';

const ISSUER = 'https://auth.example.com';

/** Sends a request with full control of the Host header (fetch does not allow it). */
function send(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('HTTP surface (security catalog 1.2, 1.3, 1.12)', () => {
  let key: TestKey;
  let jwks: JwksServer;
  const valid = (app: RunningApp, claims: Record<string, unknown> = {}) =>
    mint({ iss: ISSUER, aud: app.mcpUrl, sub: 'u1', client_id: 'c1', scope: 'notes:read', ...claims }, { key });
  const jwtOptions = () => ({ type: 'jwt' as const, issuer: ISSUER, jwksUri: jwks.url });

  beforeAll(async () => {
    key = await testKey('k1');
    jwks = await new JwksServer().start([key.publicJwk]);
  });
  afterAll(() => jwks.stop());

  describe('a local server (loopback resource URL)', () => {
    let app: RunningApp;
    let prmUrl: string;
    beforeAll(async () => {
      app = await startMcpApp(
        (origin) => ({
          resourceUrl: `${origin}/mcp`,
          authorizationServers: [ISSUER],
          scopesSupported: ['notes:read', 'offline_access'],
          verifier: jwtOptions(),
        }),
        { providers: [NotesTools, TransportTools] },
      );
      prmUrl = `${app.origin}/.well-known/oauth-protected-resource/mcp`;
    });
    afterAll(() => app.close());

    it('T-01 no credentials: 401 with resource_metadata and scope, no error, no offline_access', async () => {
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${prmUrl}", scope="notes:read"`);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it.each([['bearer'], ['BEARER'], ['BeArEr']])('T-03 scheme %s is case-insensitive', async (scheme) => {
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
        authorization: `${scheme} ${await valid(app)}`,
      });
      expect(response.status).toBe(200);
    });

    it.each([['Basic dXNlcjpwYXNz'], ['DPoP TOKEN'], ['TOKENWITHOUTSCHEME'], ['Bearerx']])(
      'T-04 another scheme (%s): 401 challenge without error',
      async (value) => {
        const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
          authorization: value.replace('TOKEN', 'abc.def.ghi'),
        });
        expect(response.status).toBe(401);
        expect(parseBearerChallenge(response.headers.get('www-authenticate'))).toEqual({
          resource_metadata: prmUrl,
          scope: 'notes:read',
        });
      },
    );

    it('T-06 a token in the query string is ignored', async () => {
      const response = await postMcp(`${app.mcpUrl}?access_token=${await valid(app)}`, toolCall('echo', { text: 'x' }));
      expect(response.status).toBe(401);
      expect(parseBearerChallenge(response.headers.get('www-authenticate'))).not.toHaveProperty('error');
    });

    it('T-07 a token in a form body or a cookie is ignored', async () => {
      const token = await valid(app);
      const form = await fetch(app.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${token}`,
      });
      expect(form.status).toBe(401);
      const cookie = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { cookie: `access_token=${token}` });
      expect(cookie.status).toBe(401);
    });

    it('T-10/T-11 stateless: no session is issued, and a session header never changes identity', async () => {
      const init = await postMcp(
        app.mcpUrl,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
        },
        { authorization: `Bearer ${await valid(app)}` },
      );
      expect(init.status).toBe(200);
      expect(init.headers.get('mcp-session-id')).toBeNull();
      const asU2 = await postMcp(app.mcpUrl, toolCall('identity'), {
        authorization: `Bearer ${await valid(app, { sub: 'u2' })}`,
        'mcp-session-id': 'session-of-u1',
      });
      const answer = (await asU2.json()) as { result: { content: Array<{ text: string }> } };
      expect(JSON.parse(answer.result.content[0].text)).toMatchObject({ sub: 'u2' });
      const anonymous = await postMcp(app.mcpUrl, toolCall('identity'), { 'mcp-session-id': 'session-of-u1' });
      expect(anonymous.status).toBe(401);
    });

    it('T-12 every request is verified: an expired token fails after a successful initialize', async () => {
      const now = Math.floor(Date.now() / 1000);
      const good = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
        authorization: `Bearer ${await valid(app)}`,
      });
      expect(good.status).toBe(200);
      const expired = await mint({ iss: ISSUER, aud: app.mcpUrl, sub: 'u1', scope: 'notes:read' }, { key }, now - 1000);
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
        authorization: `Bearer ${expired}`,
      });
      expect(response.status).toBe(401);
      expect(parseBearerChallenge(response.headers.get('www-authenticate'))).toMatchObject({ error: 'invalid_token' });
    });

    it('TR-01 DNS rebinding: a foreign Host or Origin gets 403 before authentication', async () => {
      const token = await valid(app);
      const host = await send(app.port, {
        method: 'POST',
        path: '/mcp',
        headers: {
          host: `attacker.example:${app.port}`,
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(toolCall('echo', { text: 'x' })),
      });
      expect(host.status).toBe(403);
      const origin = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
        origin: 'https://attacker.example',
        authorization: `Bearer ${token}`,
      });
      expect(origin.status).toBe(403);
      const localhost = await send(app.port, {
        method: 'POST',
        path: '/mcp',
        headers: {
          host: `localhost:${app.port}`,
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify(toolCall('echo', { text: 'x' })),
      });
      expect(localhost.status).toBe(200);
    });

    it('P4 a local browser client (another loopback port) gets CORS with the challenge exposed', async () => {
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { origin: 'http://localhost:6274' });
      expect(response.status).toBe(401);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
      expect(response.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await fetch(app.mcpUrl, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://localhost:6274',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Mcp-Protocol-Version/);
    });

    describe('Streamable HTTP protocol errors (authenticated)', () => {
      let auth: Record<string, string>;
      beforeAll(async () => {
        auth = { authorization: `Bearer ${await valid(app)}` };
      });

      it.each(['GET', 'DELETE'])('%s answers 405 (stateless: no stream, no session)', async (method) => {
        const response = await fetch(app.mcpUrl, { method, headers: { ...auth, accept: 'text/event-stream' } });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toContain('POST');
      });

      it('415 for a non-JSON content type', async () => {
        const response = await fetch(app.mcpUrl, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'text/plain' },
          body: '{}',
        });
        expect(response.status).toBe(415);
      });

      it('406 when the client accepts neither JSON nor SSE', async () => {
        const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { ...auth, accept: 'text/html' });
        expect(response.status).toBe(406);
      });

      it('400 for an unsupported protocol version header', async () => {
        const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), {
          ...auth,
          'mcp-protocol-version': '1999-01-01',
        });
        expect(response.status).toBe(400);
      });

      it.each([
        ['not JSON-RPC', { hello: 'world' }],
        ['wrong version', { jsonrpc: '1.0', id: 1, method: 'ping' }],
        ['object id', { jsonrpc: '2.0', id: {}, method: 'ping' }],
        ['empty batch', []],
        ['oversized batch', Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))],
      ])('400 for an invalid message: %s', async (_name, body) => {
        const response = await postMcp(app.mcpUrl, body, auth);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
      });

      it('202 for notifications and client responses', async () => {
        const notification = await postMcp(app.mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, auth);
        expect(notification.status).toBe(202);
        const clientResponse = await postMcp(app.mcpUrl, { jsonrpc: '2.0', id: 5, result: {} }, auth);
        expect(clientResponse.status).toBe(202);
      });

      it('answers a batch in order with the client ids', async () => {
        const response = await postMcp(
          app.mcpUrl,
          [toolCall('echo', { text: 'a' }, 'x'), toolCall('echo', { text: 'b' }, 7)],
          auth,
        );
        const answers = (await response.json()) as Array<{ id: unknown; result: { content: Array<{ text: string }> } }>;
        expect(answers.map((a) => [a.id, a.result.content[0].text])).toEqual([
          ['x', 'a:c1'],
          [7, 'b:c1'],
        ]);
      });

      it('keeps concurrent requests with colliding ids apart', async () => {
        const tokens = await Promise.all(
          Array.from({ length: 20 }, (_, i) => valid(app, { client_id: `client-${i}` })),
        );
        const answers = await Promise.all(
          tokens.map(async (token, i) => {
            const response = await postMcp(app.mcpUrl, toolCall('echo', { text: `t${i}` }, 1), {
              authorization: `Bearer ${token}`,
            });
            return (await response.json()) as { id: number; result: { content: Array<{ text: string }> } };
          }),
        );
        answers.forEach((answer, i) => {
          expect(answer.id).toBe(1);
          expect(answer.result.content[0].text).toBe(`t${i}:client-${i}`);
        });
      });

      it('TR-03 a 2 MB body gets a JSON 413, never HTML, and the server stays up', async () => {
        const response = await postMcp(
          app.mcpUrl,
          { jsonrpc: '2.0', id: 1, method: 'ping', params: { x: 'y'.repeat(2_000_000) } },
          auth,
        );
        expect(response.status).toBe(413);
        expect(response.headers.get('content-type')).toContain('application/json');
        const after = await postMcp(app.mcpUrl, toolCall('echo', { text: 'alive' }), auth);
        expect(after.status).toBe(200);
      });
    });

    describe('protected-resource metadata', () => {
      const document = (origin: string) => ({
        resource: `${origin}/mcp`,
        authorization_servers: [ISSUER],
        scopes_supported: ['notes:read', 'offline_access'],
        bearer_methods_supported: ['header'],
      });

      it('M-01 path-suffixed document: exact JSON, CORS, cacheable', async () => {
        const response = await fetch(prmUrl);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toContain('application/json');
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.get('cache-control')).toBe('public, max-age=3600');
        expect(await response.json()).toEqual(document(app.origin));
      });

      it('M-02 root document is identical, and the challenge URL resolves', async () => {
        const root = await fetch(`${app.origin}/.well-known/oauth-protected-resource`);
        expect(await root.json()).toEqual(document(app.origin));
        const challenge = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }));
        const url = parseBearerChallenge(challenge.headers.get('www-authenticate')).resource_metadata;
        expect((await fetch(url)).status).toBe(200);
      });

      it('P3 other paths under the prefix are a JSON 404, not HTML', async () => {
        const response = await fetch(`${app.origin}/.well-known/oauth-protected-resource/other`);
        expect(response.status).toBe(404);
        expect(response.headers.get('content-type')).toContain('application/json');
      });

      it.each(['POST', 'PUT', 'DELETE'])('M-07 %s is 405 with Allow, no cookie', async (method) => {
        const response = await fetch(prmUrl, { method });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
        expect(response.headers.get('set-cookie')).toBeNull();
      });

      it('M-07 preflight from any origin: CORS without credentials', async () => {
        const response = await fetch(prmUrl, {
          method: 'OPTIONS',
          headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
        });
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.get('access-control-allow-credentials')).toBeNull();
        expect(response.headers.get('set-cookie')).toBeNull();
      });
    });
  });

  describe('a public server behind a proxy (non-loopback resource URL)', () => {
    let app: RunningApp;
    const resourceUrl = 'https://mcp.example.com/mcp';
    beforeAll(async () => {
      app = await startMcpApp(() => ({ resourceUrl, authorizationServers: [ISSUER], verifier: jwtOptions() }));
    });
    afterAll(() => app.close());

    it.each<[string, Record<string, string>]>([
      ['X-Forwarded-Host quote injection', { 'x-forwarded-host': 'a", error="insufficient_scope", scope="admin' }],
      ['Host', { host: 'evil.example' }],
      ['Forwarded', { forwarded: 'host=evil.example;proto=http' }],
      ['X-Forwarded-Proto', { 'x-forwarded-proto': 'http' }],
    ])('T-08 / M-03 %s never changes the challenge or the metadata', async (_name, headers) => {
      const challenge = await send(app.port, {
        method: 'POST',
        path: '/mcp',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(toolCall('echo', { text: 'x' })),
      });
      expect(challenge.status).toBe(401);
      expect(parseBearerChallenge(challenge.headers['www-authenticate'] as string)).toEqual({
        resource_metadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
      });
      const baseline = await send(app.port, { path: '/.well-known/oauth-protected-resource/mcp' });
      const poisoned = await send(app.port, { path: '/.well-known/oauth-protected-resource/mcp', headers });
      expect(poisoned.body).toBe(baseline.body);
      expect(JSON.parse(poisoned.body).resource).toBe(resourceUrl);
    });

    it('TR-02 any browser origin may call, but never with credentials', async () => {
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { origin: 'https://evil.example' });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });

  it('level 1 without authorization servers: no metadata, and the challenge does not point to any', async () => {
    const app = await startMcpApp((origin) => ({ resourceUrl: `${origin}/mcp`, verifier: jwtOptions() }));
    try {
      expect((await fetch(`${app.origin}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    } finally {
      await app.close();
    }
  });

  it('TR-05 production refuses plain-http public URLs on non-loopback hosts', async () => {
    const attempt = startMcpApp(() => ({
      resourceUrl: 'http://mcp.example.com/mcp',
      production: true,
      verifier: jwtOptions(),
    }));
    await expect(attempt).rejects.toBeInstanceOf(McpAuthConfigurationError);
    await expect(attempt).rejects.toThrow('resourceUrl: must use https in production (got http://mcp.example.com/mcp)');
  });

  it('TR-07 a verifier that throws unexpectedly yields 503, never a 500 or a stack trace', async () => {
    @Injectable()
    class ExplodingVerifier implements McpTokenVerifier {
      async verify(): Promise<McpAccessToken> {
        throw new TypeError("Cannot read properties of undefined (reading 'keys')");
      }
    }
    const app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      verifier: { type: 'custom', useClass: ExplodingVerifier },
    }));
    try {
      const response = await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { authorization: 'Bearer abc' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      const body = await response.text();
      expect(JSON.parse(body)).toEqual({
        error: 'temporarily_unavailable',
        error_description: 'The access token cannot be verified right now',
      });
      expect(body).not.toMatch(/TypeError|at /);
    } finally {
      await app.close();
    }
  });

  it('TR-04 no token ever reaches the logs', async () => {
    const lines: string[] = [];
    const capture: LoggerService = {
      log: (m: unknown) => lines.push(String(m)),
      error: (m: unknown, t?: unknown) => lines.push(String(m), String(t ?? '')),
      warn: (m: unknown) => lines.push(String(m)),
      debug: (m: unknown) => lines.push(String(m)),
      verbose: (m: unknown) => lines.push(String(m)),
    };
    const down = await new JwksServer().start([key.publicJwk]);
    const app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      verifier: { type: 'jwt', issuer: ISSUER, jwksUri: down.url, jwks: { timeoutMs: 200 } },
    }));
    app.app.useLogger(capture);
    const tokens = [await valid(app), 'garbage.token.value', await valid(app, { aud: 'https://other/mcp' })];
    try {
      // Rejections (401) and a key-set outage (503, logged as a warning with its cause).
      for (const token of tokens)
        await postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { authorization: `Bearer ${token}` });
      const outage = await startMcpApp((origin) => ({
        resourceUrl: `${origin}/mcp`,
        verifier: { type: 'jwt', issuer: ISSUER, jwksUri: down.url.replace('/jwks', '/missing') },
      }));
      outage.app.useLogger(capture);
      const unseen = await valid(outage, { sub: 'u9' });
      tokens.push(unseen);
      await postMcp(outage.mcpUrl, toolCall('echo', { text: 'x' }), { authorization: `Bearer ${unseen}` });
      await outage.close();
      expect(lines.length).toBeGreaterThan(0);
      for (const token of tokens) expect(lines.join('\n')).not.toContain(token);
    } finally {
      await app.close();
      await down.stop();
    }
  });
});

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthorizationServerAppModule } from '../sample/05-authorization-server/app.module.js';
import { sampleSettings } from '../sample/05-authorization-server/settings.js';
import { freePort } from './helpers/free-port.js';
import { approveAll } from './helpers/headless-browser.js';
import { OAuthMcpClient } from './helpers/oauth-clients.js';
import { RedisServer } from './helpers/redis-server.js';

const text = (result: unknown) => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '';

async function startSample(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; mcpUrl: string }> {
  const port = await freePort();
  const settings = sampleSettings({ PORT: String(port), ...env });
  const app = await NestFactory.create(AuthorizationServerAppModule.forSettings(settings), { logger: false });
  await app.listen(settings.port, settings.host);
  return { app, mcpUrl: settings.resourceUrl };
}

/** The README walk-through of sample 05 (what `npm start` runs): connect, sign in, call tools. */
describe('sample 05: embedded authorization server', () => {
  it('listens on loopback only unless told otherwise and defaults to memory storage (TR-08)', () => {
    expect(sampleSettings({})).toEqual({
      host: '127.0.0.1',
      port: 3000,
      resourceUrl: 'http://127.0.0.1:3000/mcp',
      redisUrl: undefined,
    });
    expect(() => sampleSettings({ PORT: 'http' })).toThrow('PORT must be a port number');
  });

  describe('in memory', () => {
    let app: INestApplication;
    let mcpUrl: string;
    beforeAll(async () => ({ app, mcpUrl } = await startSample({})));
    afterAll(async () => app?.close());

    it.each(['v1', 'v2'] as const)('SDK %s signs in as demo, reads and (v2: after step-up) writes notes', async (v) => {
      const client = new OAuthMcpClient(v, mcpUrl, { policy: approveAll({ username: 'demo', password: 'demo' }) });
      try {
        await client.connect();
        // The first authorization asks for scopes_supported (notes:read): add_note is hidden.
        expect(await client.listTools()).toEqual(['whoami', 'list_notes']);
        expect(text(await client.callTool('whoami'))).toBe('You are demo, with scopes: notes:read');
        if (v === 'v2') {
          // v2 follows the 403 insufficient_scope challenge and re-authorizes with notes:write.
          expect(text(await client.callTool('add_note', { text: 'hello' }))).toBe('Saved. You have 1 note(s).');
          expect(text(await client.callTool('list_notes'))).toContain('hello');
        }
      } finally {
        await client.close();
      }
    });

    it("a user without notes:write cannot obtain it: the server narrows the grant to the user's scopes", async () => {
      const client = new OAuthMcpClient('v2', mcpUrl, {
        policy: approveAll({ username: 'reader', password: 'reader' }),
      });
      try {
        await client.connect();
        expect(text(await client.callTool('list_notes'))).toBeDefined();
        // The step-up re-authorization succeeds but grants only what reader may have (RFC 6749
        // §3.3: the response's scope says so), so the tool stays out of reach.
        await expect(client.callTool('add_note', { text: 'nope' })).rejects.toThrow('Unauthorized');
        expect((client.provider.tokens() as { scope?: string } | undefined)?.scope).toBe('notes:read');
      } finally {
        await client.close();
      }
    });

    it('a wrong password keeps the user on the login page and issues nothing', async () => {
      const client = new OAuthMcpClient('v2', mcpUrl, { policy: approveAll({ username: 'demo', password: 'wrong' }) });
      try {
        await expect(client.connect()).rejects.toThrow();
        expect(client.provider.tokens()).toBeUndefined();
      } finally {
        await client.close();
      }
    });
  });

  describe('with REDIS_URL', () => {
    let redis: RedisServer;
    let app: INestApplication;
    let mcpUrl: string;
    beforeAll(async () => {
      redis = await RedisServer.start();
      ({ app, mcpUrl } = await startSample({ REDIS_URL: redis.url }));
    });
    afterAll(async () => {
      await app?.close();
      await redis?.destroy();
    });

    it('stores the registered client and grant in Redis', async () => {
      const client = new OAuthMcpClient('v2', mcpUrl, { policy: approveAll({ username: 'demo', password: 'demo' }) });
      try {
        await client.connect();
        expect(text(await client.callTool('whoami'))).toContain('You are demo');
      } finally {
        await client.close();
      }
      expect(await redis.command('DBSIZE')).toBeGreaterThan(0);
    });
  });
});

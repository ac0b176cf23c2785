import { Inject, Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  InvalidTokenError,
  MCP_AUTH_STORE,
  McpAuthModule,
  RedisStore,
  SingleFlight,
  StoreNamespace,
  type McpAccessToken,
  type McpAuthStore,
  type McpTokenVerifier,
} from 'nestjs-mcp-auth';
import { postMcp, toolCall } from './helpers/clients.js';
import { startMcpApp } from './helpers/mcp-app.js';
import { RedisServer } from './helpers/redis-server.js';

const API_KEYS = new StoreNamespace<{ sub: string; scopes: string[] }>('api-keys');

/** A verifier whose state lives in the module's store: API keys kept in Redis. */
@Injectable()
class StoredApiKeyVerifier implements McpTokenVerifier {
  constructor(@Inject(MCP_AUTH_STORE) private readonly store: McpAuthStore) {}

  async verify(token: string): Promise<McpAccessToken> {
    const key = await this.store.get(API_KEYS.secret(token));
    if (!key) throw new InvalidTokenError('Unknown API key', 'unknown');
    return {
      token,
      sub: key.sub,
      clientId: 'api-key',
      scopes: key.scopes,
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      claims: {},
    };
  }
}

describe('storage through the module (issue 4 wiring)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis?.stop());

  const base = {
    resourceUrl: 'http://127.0.0.1:3000/mcp',
    verifier: { type: 'static', tokens: { 'dev-token-0123456789': { sub: 'u' } } },
  } as const;

  it('forRootAsync builds a Redis store from a URL in ConfigService, with single flight, and closes it', async () => {
    const ref = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ REDIS_URL: redis.url })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            ...base,
            storage: { type: 'redis', url: config.getOrThrow<string>('REDIS_URL') },
          }),
          mcpEndpoint: false,
        }),
      ],
    }).compile();
    const store = ref.get<McpAuthStore>(MCP_AUTH_STORE);
    expect(store).toBeInstanceOf(RedisStore);
    const key = new StoreNamespace<{ n: number }>('wiring').key('a');
    await store.set(key, { n: 1 }, 10_000);
    expect(await store.get(key)).toEqual({ n: 1 });
    expect(ref.get(SingleFlight)).toBeInstanceOf(SingleFlight);
    await ref.close();
    await expect(store.get(key)).rejects.toThrow();
  });

  it('forRootAsync can hand over an ioredis client the application already has', async () => {
    @Module({ providers: [{ provide: 'REDIS', useFactory: () => new Redis(redis.url) }], exports: ['REDIS'] })
    class RedisModule {}
    const ref = await Test.createTestingModule({
      imports: [
        McpAuthModule.forRootAsync({
          imports: [RedisModule],
          inject: ['REDIS'],
          useFactory: (client: Redis) => ({ ...base, storage: { type: 'redis', client, keyPrefix: 'app1:' } }),
          mcpEndpoint: false,
        }),
      ],
    }).compile();
    const store = ref.get<McpAuthStore>(MCP_AUTH_STORE);
    await store.set(new StoreNamespace<number>('x').key('y'), 5, 10_000);
    const client = ref.get<Redis>('REDIS');
    expect(await client.keys('app1:*')).toHaveLength(1);
    await ref.close();
    client.disconnect();
  });

  it('builds no store when none is configured', async () => {
    const ref = await Test.createTestingModule({
      imports: [McpAuthModule.forRoot({ ...base, mcpEndpoint: false })],
    }).compile();
    expect(ref.get(MCP_AUTH_STORE)).toBeUndefined();
    await ref.close();
  });

  it('invalid storage options stop the bootstrap with their path', async () => {
    const attempt = Test.createTestingModule({
      imports: [
        McpAuthModule.forRoot({ ...base, storage: { type: 'redis', url: 'http://nope' } as never, mcpEndpoint: false }),
      ],
    }).compile();
    await expect(attempt).rejects.toThrow(/storage\.url: must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it('a storage outage reaches clients as 503 temporarily_unavailable, and service resumes', async () => {
    const own = await RedisServer.start();
    const app = await startMcpApp((origin) => ({
      resourceUrl: `${origin}/mcp`,
      storage: { type: 'redis', url: own.url },
      verifier: { type: 'custom', useClass: StoredApiKeyVerifier },
    }));
    try {
      const store = app.app.get<McpAuthStore>(MCP_AUTH_STORE);
      await store.set(API_KEYS.secret('key-0123456789abcdef'), { sub: 'robot', scopes: [] }, 60_000);
      const call = () =>
        postMcp(app.mcpUrl, toolCall('echo', { text: 'x' }), { authorization: 'Bearer key-0123456789abcdef' });
      expect((await call()).status).toBe(200);
      await own.stop();
      const down = await call();
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' });
      await own.restart();
      let status = 0;
      for (let i = 0; i < 50 && status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        status = (await call()).status;
      }
      expect(status).toBe(200);
    } finally {
      await app.close();
      await own.stop();
    }
  });
});

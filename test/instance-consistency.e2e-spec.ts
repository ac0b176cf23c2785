import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { exportJWK, generateKeyPair } from 'jose';
import { freePort } from './helpers/free-port.js';
import { startMcpApp, type RunningApp } from './helpers/mcp-app.js';
import { RedisServer } from './helpers/redis-server.js';

/** A `signingKeys` entry: a fresh private JWK. */
async function privateJwk(kid: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' }, kid };
}

/**
 * F-16: instances sharing a store with different signing keys or resource are detected at
 * start-up and logged as a misconfiguration (tokens of one would be refused by the other).
 */
describe('F-16: start-up consistency check across instances', () => {
  let redis: RedisServer;
  const apps: RunningApp[] = [];
  let errors: ReturnType<typeof jest.spyOn>;
  let port: number;

  beforeAll(async () => {
    redis = await RedisServer.start();
    port = await freePort();
  });
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });
  afterEach(async () => {
    errors.mockRestore();
    while (apps.length) await apps.pop()?.close();
  });
  afterAll(async () => redis?.destroy());

  const mismatchLogs = () =>
    (errors.mock.calls as unknown[][])
      .map(([message]) => String(message))
      .filter((message) => message.includes('different configuration'));

  /** An instance of the one public server (same public URL), on its own port. */
  async function instance(signingKeys: object[], resourceUrl = `http://127.0.0.1:${port}/mcp`) {
    const app = await startMcpApp(() => ({
      resourceUrl,
      server: { users: [{ username: 'alice', password: 'alice-pw' }], signingKeys: signingKeys as never },
      storage: { type: 'redis', url: redis.url },
    }));
    apps.push(app);
    return app;
  }

  it('same keys and resource: nothing logged', async () => {
    await redis.command('FLUSHALL');
    const keys = [await privateJwk('k1')];
    await instance(keys);
    await instance(keys);
    expect(mismatchLogs()).toEqual([]);
  });

  it('different signing keys: the second instance logs the mismatch', async () => {
    await redis.command('FLUSHALL');
    await instance([await privateJwk('a1')]);
    await instance([await privateJwk('b1')]);
    expect(mismatchLogs()).toEqual([expect.stringContaining('no signing key in common')]);
  });

  it('a rotation in progress (keys overlap) is reported as differing published keys', async () => {
    await redis.command('FLUSHALL');
    const current = await privateJwk('c1');
    await instance([current]);
    await instance([current, { ...(await privateJwk('c2')), activateAt: Math.floor(Date.now() / 1000) + 3600 }]);
    expect(mismatchLogs()).toEqual([expect.stringContaining('the published signing keys differ')]);
  });

  it('a different resource URL is named', async () => {
    await redis.command('FLUSHALL');
    const keys = [await privateJwk('d1')];
    await instance(keys);
    await instance(keys, `http://127.0.0.1:${port}/other-mcp`);
    expect(mismatchLogs()).toEqual([expect.stringContaining('resource')]);
  });
});

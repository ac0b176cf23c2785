import { jest } from '@jest/globals';
import type { McpAuthClock } from '../../core/clock.js';
import { MemoryStore } from '../../storage/memory-store.js';
import { OAuthEndpointError } from '../oauth.errors.js';
import type { ClientMetadataDocumentFetcher } from './cimd/cimd-fetcher.js';
import { toClientRegistrationResponse } from './client-registration-response.js';
import type { ClientRegistrationOptions } from './client-registration.options.js';
import { ClientRegistry } from './client-registry.service.js';
import { hashClientSecret } from './client-secret.util.js';
import type { OAuthClient } from './oauth-client.js';
import { validateClientRegistration } from './validate-client-registration.js';

const DAY = 86_400_000;

function manualClock(start = 1_700_000_000_000): McpAuthClock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

async function errorOf(promise: Promise<unknown>): Promise<OAuthEndpointError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthEndpointError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const D00 = {
  redirect_uris: ['http://127.0.0.1:5555/cb'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  client_name: 't',
};
const STATIC_SECRET = 'static-secret-0123456789-abcdefghijklmnop';

describe('ClientRegistry', () => {
  let clock: ReturnType<typeof manualClock>;
  let store: MemoryStore;

  beforeEach(() => {
    clock = manualClock();
    store = new MemoryStore({}, clock);
  });
  afterEach(async () => {
    await store.close();
    jest.restoreAllMocks();
  });

  const registry = (
    registration: ClientRegistrationOptions = {},
    extra: Partial<ConstructorParameters<typeof ClientRegistry>[0]> = {},
  ) => new ClientRegistry({ store, clock, registration, scopesSupported: ['mcp:read'], ...extra });

  const registerBody = (r: ClientRegistry, body: unknown = D00) =>
    r.register(validateClientRegistration(body, r.policy));

  describe('register', () => {
    it('D-00: a public client gets a random 128-bit client_id and no secret', async () => {
      const r = registry();
      const { client, clientSecret } = await registerBody(r);
      expect(client.clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Buffer.from(client.clientId, 'base64url')).toHaveLength(16);
      expect(clientSecret).toBeUndefined();
      expect(client).toMatchObject({
        source: 'dynamic',
        clientIdIssuedAt: 1_700_000_000,
        tokenEndpointAuthMethod: 'none',
      });
      expect(client).not.toHaveProperty('clientSecretHash');
      expect(await r.find(client.clientId)).toEqual(client);
      expect(toClientRegistrationResponse(client)).toEqual({
        client_id: client.clientId,
        client_id_issued_at: 1_700_000_000,
        redirect_uris: ['http://127.0.0.1:5555/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        client_name: 't',
      });
    });

    it('D-11: a confidential client gets a 256-bit secret once; only its hash is stored', async () => {
      const writes: unknown[] = [];
      const original = store.setIfAbsent.bind(store);
      jest.spyOn(store, 'setIfAbsent').mockImplementation(async (key, value, ttl) => {
        writes.push(value);
        return original(key, value, ttl);
      });
      const r = registry();
      const { client, clientSecret } = await registerBody(r, {
        ...D00,
        token_endpoint_auth_method: 'client_secret_basic',
      });
      expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(clientSecret!, 'base64url')).toHaveLength(32);
      expect(client.clientSecretHash).toBe(hashClientSecret(clientSecret!));
      expect(client.clientSecretExpiresAt).toBe(0);
      expect(JSON.stringify(writes)).not.toContain(clientSecret);
      expect(JSON.stringify(await r.find(client.clientId))).not.toContain(clientSecret);
      expect(toClientRegistrationResponse(client, clientSecret)).toMatchObject({
        client_secret: clientSecret,
        client_secret_expires_at: 0,
        token_endpoint_auth_method: 'client_secret_basic',
      });
    });

    it('sets client_secret_expires_at from clientSecretTtlDays', async () => {
      const { client } = await registerBody(registry({ clientSecretTtlDays: 90 }), {
        ...D00,
        token_endpoint_auth_method: 'client_secret_post',
      });
      expect(client.clientSecretExpiresAt).toBe(1_700_000_000 + 90 * 86_400);
    });

    it('TK-18 style: 1000 registrations give 1000 distinct ids', async () => {
      const r = registry({ rateLimit: false });
      const ids = new Set<string>();
      for (let i = 0; i < 1000; i += 1) ids.add((await registerBody(r)).client.clientId);
      expect(ids.size).toBe(1000);
    });

    it('D-18: refuses when registration is disabled', async () => {
      const r = registry({ enabled: false });
      expect(r.registrationEnabled).toBe(false);
      const error = await errorOf(registerBody(r));
      expect([error.error, error.status]).toEqual(['access_denied', 403]);
      expect((await errorOf(r.admitRegistration('1.2.3.4'))).status).toBe(403);
    });
  });

  describe('unused registrations expire (P-12, D-16)', () => {
    it('a client never used is gone after unusedClientTtlDays', async () => {
      const r = registry({ unusedClientTtlDays: 30 });
      const { client } = await registerBody(r);
      clock.advance(30 * DAY - 1);
      expect(await r.find(client.clientId)).toBeDefined();
      clock.advance(1);
      expect(await r.find(client.clientId)).toBeUndefined();
      expect((await errorOf(r.require(client.clientId))).error).toBe('invalid_client');
    });

    it('touch restarts the period, so an active client lives on', async () => {
      const r = registry({ unusedClientTtlDays: 30 });
      const { client } = await registerBody(r);
      for (let month = 0; month < 3; month += 1) {
        clock.advance(29 * DAY);
        await r.touch(client);
      }
      expect(await r.find(client.clientId)).toEqual(client);
      clock.advance(30 * DAY);
      expect(await r.find(client.clientId)).toBeUndefined();
    });

    it('touch writes at most once per min(TTL / 10, 1 day)', async () => {
      const r = registry({ unusedClientTtlDays: 30 });
      const { client } = await registerBody(r);
      const commit = jest.spyOn(store, 'commit');
      clock.advance(DAY - 1);
      await r.touch(client);
      expect(commit).not.toHaveBeenCalled();
      clock.advance(1);
      await r.touch(client);
      await r.touch(client);
      expect(commit).toHaveBeenCalledTimes(1);
    });

    it('touch never recreates a deleted client and ignores static ones', async () => {
      const r = registry({}, { staticClients: [{ clientId: 's1', redirectUris: ['https://app.example/cb'] }] });
      const { client } = await registerBody(r);
      expect(await r.delete(client.clientId)).toBe(true);
      clock.advance(2 * DAY);
      await r.touch(client);
      expect(await r.find(client.clientId)).toBeUndefined();
      const set = jest.spyOn(store, 'commit');
      await r.touch((await r.find('s1'))!);
      expect(set).not.toHaveBeenCalled();
    });
  });

  describe('find', () => {
    it('looks up static clients first, then dynamic ones', async () => {
      const r = registry(
        {},
        {
          staticClients: [
            {
              clientId: 'claude',
              clientSecret: STATIC_SECRET,
              redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
            },
          ],
        },
      );
      expect(await r.find('claude')).toMatchObject({
        source: 'static',
        tokenEndpointAuthMethod: 'client_secret_basic',
      });
      const { client } = await registerBody(r);
      expect((await r.find(client.clientId))?.source).toBe('dynamic');
    });

    it('never queries the store with values that cannot be a dynamic client id (TK-14)', async () => {
      const get = jest.spyOn(store, 'get');
      const r = registry();
      for (const id of [undefined, null, 42, ['a'], '', 'x'.repeat(100_000), 'admin', 'a:b', 'urn:x']) {
        expect(await r.find(id)).toBeUndefined();
      }
      expect(get).not.toHaveBeenCalled();
    });

    it('D-22: URL-shaped ids are unknown when CIMD is off, and never touch the store', async () => {
      const get = jest.spyOn(store, 'get');
      const r = registry();
      expect(r.metadataDocumentsEnabled).toBe(false);
      expect(await r.find('https://127.0.0.1:4999/c.json')).toBeUndefined();
      expect(await r.find(' HTTPS://client.example/c.json')).toBeUndefined();
      expect(get).not.toHaveBeenCalled();
    });

    it('resolves URL-shaped ids through the CIMD fetcher when configured, propagating its refusals', async () => {
      const fromDocument = { clientId: 'https://client.example/c.json', source: 'metadata-document' } as OAuthClient;
      const fetch = jest.fn<ClientMetadataDocumentFetcher['fetch']>().mockResolvedValueOnce(fromDocument);
      const r = registry({}, { metadataDocuments: { fetch } as unknown as ClientMetadataDocumentFetcher });
      expect(r.metadataDocumentsEnabled).toBe(true);
      expect(await r.find('https://client.example/c.json')).toBe(fromDocument);
      fetch.mockRejectedValueOnce(new OAuthEndpointError('invalid_client', 'Client metadata document: HTTP 500', 401));
      expect((await errorOf(r.find('https://client.example/c.json'))).message).toBe(
        'Client metadata document: HTTP 500',
      );
      expect(fetch).toHaveBeenCalledTimes(2);
    });
  });

  describe('authenticateCredentials', () => {
    it('finds and authenticates the client, or answers invalid_client', async () => {
      const r = registry(
        {},
        {
          staticClients: [
            { clientId: 'conf1', clientSecret: STATIC_SECRET, redirectUris: ['https://client.example/cb'] },
          ],
        },
      );
      await expect(
        r.authenticateCredentials({ method: 'client_secret_basic', clientId: 'conf1', clientSecret: STATIC_SECRET }),
      ).resolves.toMatchObject({ clientId: 'conf1' });
      const wrong = await errorOf(
        r.authenticateCredentials({
          method: 'client_secret_basic',
          clientId: 'conf1',
          clientSecret: `${STATIC_SECRET}x`,
        }),
      );
      expect([wrong.error, wrong.status]).toEqual(['invalid_client', 401]);
      const unknown = await errorOf(r.authenticateCredentials({ method: 'none', clientId: 'AAAAAAAAAAAAAAAAAAAAAA' }));
      expect([unknown.error, unknown.status, unknown.message]).toEqual([
        'invalid_client',
        401,
        'Unknown client: register again',
      ]);
    });

    it('checks secret expiry against the clock', async () => {
      const r = registry({ clientSecretTtlDays: 1 });
      const { client, clientSecret } = await registerBody(r, {
        ...D00,
        token_endpoint_auth_method: 'client_secret_basic',
      });
      const credentials = {
        method: 'client_secret_basic' as const,
        clientId: client.clientId,
        clientSecret: clientSecret!,
      };
      await expect(r.authenticateCredentials(credentials)).resolves.toBeDefined();
      clock.advance(DAY);
      expect((await errorOf(r.authenticateCredentials(credentials))).message).toMatch(/expired/);
    });
  });

  describe('admitRegistration: rate limit (D-16, P15)', () => {
    it('allows max registrations per key and window, then 429 with Retry-After', async () => {
      const r = registry({ rateLimit: { max: 3, windowSeconds: 60 } });
      for (let i = 0; i < 3; i += 1) await r.admitRegistration('203.0.113.7');
      clock.advance(20_000);
      const refused = await errorOf(r.admitRegistration('203.0.113.7'));
      expect([refused.error, refused.status, refused.retryAfterSeconds]).toEqual(['too_many_requests', 429, 40]);
      await expect(r.admitRegistration('198.51.100.1')).resolves.toBeUndefined();
      clock.advance(40_000);
      await expect(r.admitRegistration('203.0.113.7')).resolves.toBeUndefined();
    });

    it('uses a generous default and can be turned off', async () => {
      const r = registry();
      for (let i = 0; i < 30; i += 1) await r.admitRegistration('k');
      expect((await errorOf(r.admitRegistration('k'))).status).toBe(429);
      const unlimited = registry({ rateLimit: false });
      for (let i = 0; i < 100; i += 1) await unlimited.admitRegistration('k2');
    });
  });
});

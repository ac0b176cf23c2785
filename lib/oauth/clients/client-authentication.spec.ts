import { jest } from '@jest/globals';
import { OAuthEndpointError } from '../oauth.errors.js';
import type { ClientAssertionVerifier } from './client-assertion-verifier.interface.js';
import { authenticateClient } from './client-authentication.js';
import type { ClientCredentials } from './client-credentials.util.js';
import { hashClientSecret } from './client-secret.util.js';
import type { OAuthClient } from './oauth-client.js';

const NOW = 1_700_000_000;
const SECRET = 'Zm9vYmFyYmF6cXV4LXNlY3JldC0xMjM0NTY3ODkwYWJjZA';

const base: OAuthClient = {
  clientId: 'conf1',
  source: 'dynamic',
  clientIdIssuedAt: NOW,
  redirectUris: ['https://client.example/cb'],
  grantTypes: ['authorization_code', 'refresh_token'],
  responseTypes: ['code'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  applicationType: 'web',
  clientSecretHash: hashClientSecret(SECRET),
  clientSecretExpiresAt: 0,
};
const pub1: OAuthClient = { ...base, clientId: 'pub1', tokenEndpointAuthMethod: 'none', clientSecretHash: undefined };

async function errorOf(promise: Promise<unknown>): Promise<{ error: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OAuthEndpointError)
      return { error: error.error, status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('authenticateClient (TK-15)', () => {
  const basic = (clientSecret: string): ClientCredentials => ({
    method: 'client_secret_basic',
    clientId: 'conf1',
    clientSecret,
  });

  it('accepts the right secret with the registered method', async () => {
    await expect(authenticateClient(base, basic(SECRET), NOW)).resolves.toBeUndefined();
    const post = { ...base, tokenEndpointAuthMethod: 'client_secret_post' as const };
    await expect(
      authenticateClient(post, { method: 'client_secret_post', clientId: 'conf1', clientSecret: SECRET }, NOW),
    ).resolves.toBeUndefined();
  });

  it('accepts a public client with method none', async () => {
    await expect(authenticateClient(pub1, { method: 'none', clientId: 'pub1' }, NOW)).resolves.toBeUndefined();
  });

  it.each([
    ['a wrong secret', SECRET.slice(0, -1) + 'x'],
    ['a prefix of the secret', SECRET.slice(0, 10)],
    ['the secret with a suffix', `${SECRET}x`],
    ['the stored hash itself', hashClientSecret(SECRET)],
    ['an empty secret', ''],
  ])('refuses %s with 401 invalid_client', async (_name, secret) => {
    expect(await errorOf(authenticateClient(base, basic(secret), NOW))).toEqual({
      error: 'invalid_client',
      status: 401,
      message: 'Client authentication failed',
    });
  });

  it('refuses a method other than the registered one', async () => {
    expect(
      await errorOf(
        authenticateClient(base, { method: 'client_secret_post', clientId: 'conf1', clientSecret: SECRET }, NOW),
      ),
    ).toEqual({
      error: 'invalid_client',
      status: 401,
      message:
        'Client authentication failed: this client is registered for client_secret_basic, not client_secret_post',
    });
    expect((await errorOf(authenticateClient(base, { method: 'none', clientId: 'conf1' }, NOW))).message).toMatch(
      /registered for client_secret_basic, not none/,
    );
    expect(
      (
        await errorOf(
          authenticateClient(pub1, { method: 'client_secret_basic', clientId: 'pub1', clientSecret: 'x' }, NOW),
        )
      ).message,
    ).toMatch(/registered for none, not client_secret_basic/);
  });

  it('refuses credentials naming another client', async () => {
    expect((await errorOf(authenticateClient(base, { method: 'none', clientId: 'pub1' }, NOW))).error).toBe(
      'invalid_client',
    );
  });

  it('refuses an expired secret, accepting it until then', async () => {
    const expiring = { ...base, clientSecretExpiresAt: NOW + 10 };
    await expect(authenticateClient(expiring, basic(SECRET), NOW + 9)).resolves.toBeUndefined();
    expect((await errorOf(authenticateClient(expiring, basic(SECRET), NOW + 10))).message).toBe(
      'Client authentication failed: the client secret has expired',
    );
  });

  it('refuses a confidential client without a stored hash', async () => {
    const broken = { ...base, clientSecretHash: undefined };
    expect((await errorOf(authenticateClient(broken, basic(SECRET), NOW))).error).toBe('invalid_client');
  });

  describe('private_key_jwt extension point', () => {
    const m2m: OAuthClient = {
      ...base,
      clientId: 'm2m',
      tokenEndpointAuthMethod: 'private_key_jwt',
      clientSecretHash: undefined,
    };
    const credentials: ClientCredentials = { method: 'private_key_jwt', clientId: 'm2m', assertion: 'a.b.c' };

    it('without a verifier → invalid_client', async () => {
      expect((await errorOf(authenticateClient(m2m, credentials, NOW))).message).toBe(
        'private_key_jwt is not supported by this server',
      );
    });

    it('delegates to the verifier', async () => {
      const verify = jest.fn<ClientAssertionVerifier['verify']>().mockResolvedValue(undefined);
      await authenticateClient(m2m, credentials, NOW, { verify });
      expect(verify).toHaveBeenCalledWith(m2m, 'a.b.c');
    });
  });
});

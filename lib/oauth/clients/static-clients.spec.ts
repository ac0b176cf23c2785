import { hashClientSecret } from './client-secret.util.js';
import type { StaticClientOptions } from './static-client.options.js';
import { buildStaticClients, validateStaticClientOptions } from './static-clients.js';

const SECRET = 'a-long-random-static-secret-0123456789';

function problemsOf(clients: unknown): string[] {
  const problems: string[] = [];
  validateStaticClientOptions('staticClients', clients as StaticClientOptions[], problems);
  return problems;
}

describe('static clients', () => {
  it('builds records with hashed secrets and sensible defaults', () => {
    const clients = buildStaticClients([
      {
        clientId: 'claude',
        clientSecret: SECRET,
        redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
        clientName: 'Claude',
      },
      { clientId: 'cli', redirectUris: ['http://127.0.0.1/cb'] },
      {
        clientId: 'hashed',
        clientSecretHash: hashClientSecret(SECRET),
        tokenEndpointAuthMethod: 'client_secret_post',
        redirectUris: ['https://a.example/cb'],
      },
    ]);
    expect(clients.get('claude')).toEqual({
      clientId: 'claude',
      source: 'static',
      clientIdIssuedAt: 0,
      clientSecretHash: hashClientSecret(SECRET),
      clientSecretExpiresAt: 0,
      redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'client_secret_basic',
      applicationType: 'web',
      clientName: 'Claude',
    });
    expect(clients.get('cli')).toMatchObject({ tokenEndpointAuthMethod: 'none', applicationType: 'native' });
    expect(clients.get('cli')).not.toHaveProperty('clientSecretHash');
    expect(clients.get('hashed')?.clientSecretHash).toBe(hashClientSecret(SECRET));
    expect(JSON.stringify([...clients.values()])).not.toContain(SECRET);
  });

  it('accepts a valid list without problems', () => {
    expect(
      problemsOf([
        { clientId: 'm2m', clientSecret: SECRET, grantTypes: ['client_credentials'], redirectUris: [] },
        { clientId: 'cursor', redirectUris: ['cursor://anysphere.cursor-mcp/oauth/callback'] },
      ]),
    ).toEqual([]);
  });

  it.each([
    [{}, 'staticClients: must be an array'],
    [[null], 'staticClients[0]: must be an object'],
    [[{ redirectUris: [] }], 'staticClients[0].clientId: must be 1 to 255 printable ASCII characters without spaces'],
    [
      [{ clientId: 'a', clientSecret: 'short', redirectUris: ['https://a.example/cb'] }],
      'staticClients[0].clientSecret: must be at least 32 characters (a random secret)',
    ],
    [
      [{ clientId: 'a', clientSecretHash: 'x', redirectUris: ['https://a.example/cb'] }],
      'staticClients[0].clientSecretHash: must be base64url(SHA-256(secret)): 43 characters',
    ],
    [[{ clientId: 'a', redirectUris: ['https://a.example/cb'], typo: 1 }], 'staticClients[0].typo: unknown option'],
    [
      [{ clientId: 'a', redirectUris: ['http://evil.example/cb'] }],
      'staticClients[0]: redirectUris[0] may use http only on a loopback host (127.0.0.1, [::1] or localhost); use https',
    ],
    [
      [{ clientId: 'a', redirectUris: [] }],
      'staticClients[0]: redirectUris is required for the authorization_code grant',
    ],
    [
      [
        {
          clientId: 'a',
          clientSecret: SECRET,
          clientSecretHash: hashClientSecret(SECRET),
          redirectUris: ['https://a.example/cb'],
        },
      ],
      'staticClients[0]: give clientSecret or clientSecretHash, not both',
    ],
    [
      [{ clientId: 'a', tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: ['https://a.example/cb'] }],
      'staticClients[0]: tokenEndpointAuthMethod client_secret_basic needs clientSecret or clientSecretHash',
    ],
    [
      [
        {
          clientId: 'a',
          tokenEndpointAuthMethod: 'none',
          clientSecret: SECRET,
          redirectUris: ['https://a.example/cb'],
        },
      ],
      'staticClients[0]: tokenEndpointAuthMethod none takes no client secret',
    ],
    [
      [{ clientId: 'a', grantTypes: ['client_credentials'], redirectUris: [] }],
      'staticClients[0]: grantTypes: client_credentials requires a confidential client (not auth method none)',
    ],
    [
      [{ clientId: 'a', grantTypes: ['password'], redirectUris: [] }],
      'staticClients[0].grantTypes: each value in grantTypes must be one of the following values: authorization_code, refresh_token, client_credentials',
    ],
  ])('reports %j', (clients, problem) => {
    expect(problemsOf(clients)).toEqual([problem]);
  });

  it('reports duplicate client ids', () => {
    const entry = { clientId: 'dup', redirectUris: ['https://a.example/cb'] };
    expect(problemsOf([entry, entry])).toEqual(['staticClients[1].clientId: dup is used by another client']);
  });
});

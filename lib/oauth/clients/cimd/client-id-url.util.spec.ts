import { checkClientIdUrl, isUrlShapedClientId } from './client-id-url.util.js';

const reasonOf = (clientId: string) => {
  const result = checkClientIdUrl(clientId);
  return 'reason' in result ? result.reason : undefined;
};

describe('client id URLs', () => {
  it('accepts https URLs with a path (and optionally a query or a port)', () => {
    expect(checkClientIdUrl('https://client.example/oauth/client.json')).toMatchObject({
      hostname: 'client.example',
      port: 443,
    });
    expect(checkClientIdUrl('https://client.example:8443/c?v=2')).toMatchObject({ port: 8443 });
    expect(checkClientIdUrl('https://xn--clent-o2e.example/c')).toMatchObject({ hostname: 'xn--clent-o2e.example' });
  });

  describe('D-23: syntactically bad client id URLs are refused before any fetch', () => {
    it.each([
      ['http://client.example/c', 'must be an https URL'],
      ['https://u@client.example/c', 'must not contain user information'],
      ['https://u:p@client.example/c', 'must not contain user information'],
      ['https://client.example/c#f', 'must not contain a fragment'],
      ['https://client.example/c#', 'must not contain a fragment'],
      ['https://client.example/./c', 'must not contain dot-segments'],
      ['https://client.example/%2e%2e/c', 'must not contain dot-segments'],
      ['https://client.example/a/%2E/c', 'must not contain dot-segments'],
      ['https://client.example/a%2Fc', 'must not contain percent-encoded slashes'],
      [' https://client.example/c', 'must not contain whitespace, control or non-ASCII characters'],
      ['https://client.example/c ', 'must not contain whitespace, control or non-ASCII characters'],
      ['https://client.example\\c', 'must not contain a backslash'],
      ['https:client.example/c', 'must be an https URL'],
      ['HTTPS://client.example/c', 'must be an https URL'],
      ['https://CLIENT.example/c', 'must be in canonical form (lower-case host, no default port)'],
      ['https://client.example:443/c', 'must be in canonical form (lower-case host, no default port)'],
      ['https://client.example', 'must be in canonical form (lower-case host, no default port)'],
      ['https://client.example/', 'must have a path'],
      ['https://client.example/?x=1', 'must have a path'],
      ['https://127.0.0.1:4999/c.json', 'must use a host name, not an IP address'],
      ['https://[::1]/c.json', 'must use a host name, not an IP address'],
      ['https://0x7f.1/c.json', 'must be in canonical form (lower-case host, no default port)'],
      ['https://localhost/c.json', 'must use a fully qualified host name'],
      ['https://app.localhost/c.json', 'must not use localhost'],
      ['https://intranet/c.json', 'must use a fully qualified host name'],
      ['https://cl\u0456ent.example/c', 'must not contain whitespace, control or non-ASCII characters'],
      [`https://client.example/${'a'.repeat(2048)}`, 'is too long'],
    ])('%j', (clientId, reason) => {
      expect(reasonOf(clientId)).toBe(reason);
    });
  });

  it('tells URL-shaped ids from other client ids', () => {
    for (const id of [
      'https://a.example/c',
      'http://a.example/c',
      'HTTPS://A/c',
      ' https://h/c',
      '\u0001http:x',
      'https:h/c',
    ]) {
      expect(isUrlShapedClientId(id)).toBe(true);
    }
    for (const id of ['abcDEF123_-abcDEF123_-', 'claude', 'urn:example:client', 'cursor://x', 'httpsclient']) {
      expect(isUrlShapedClientId(id)).toBe(false);
    }
  });
});

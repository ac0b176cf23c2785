import { isLoopbackUrl, protectedResourceMetadataPath, protectedResourceMetadataUrl } from './resource-url.js';

describe('protectedResourceMetadataUrl (RFC 9728 §3.1)', () => {
  it.each([
    ['https://mcp.example.com/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com/a/b/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/a/b/mcp'],
    ['https://mcp.example.com', 'https://mcp.example.com/.well-known/oauth-protected-resource'],
    ['https://mcp.example.com/', 'https://mcp.example.com/.well-known/oauth-protected-resource'],
    ['https://mcp.example.com/mcp/', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com/mcp///', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
    ['http://127.0.0.1:3000/mcp', 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com:8443/mcp', 'https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com:443/mcp', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
    ['http://[::1]:3000/mcp', 'http://[::1]:3000/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com/mcp?tenant=1', 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp'],
  ])('inserts the well-known suffix between origin and path: %s', (resource, expected) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(expected);
  });

  it('keeps the path percent-encoded as the URL parser normalises it', () => {
    expect(protectedResourceMetadataUrl('https://mcp.example.com/my server')).toBe(
      'https://mcp.example.com/.well-known/oauth-protected-resource/my%20server',
    );
  });
});

describe('protectedResourceMetadataPath', () => {
  it.each([
    ['https://mcp.example.com/mcp', '/.well-known/oauth-protected-resource/mcp'],
    ['https://mcp.example.com/', '/.well-known/oauth-protected-resource'],
    ['https://mcp.example.com', '/.well-known/oauth-protected-resource'],
    ['http://127.0.0.1:3000/v1/mcp/', '/.well-known/oauth-protected-resource/v1/mcp'],
  ])('is the path of the metadata URL for %s', (resource, expected) => {
    expect(protectedResourceMetadataPath(resource)).toBe(expected);
  });
});

describe('isLoopbackUrl', () => {
  it.each([
    'http://localhost:3000/mcp',
    'http://LOCALHOST/mcp',
    'http://127.0.0.1/',
    'https://127.0.0.1:8443/',
    'http://127.1.2.3/',
    'http://127.255.255.255/',
    'http://127.1/',
    'http://[::1]:3000/',
    'http://[0:0:0:0:0:0:0:1]/',
  ])('is true for %s', (url) => {
    expect(isLoopbackUrl(url)).toBe(true);
  });

  it.each([
    'https://mcp.example.com/',
    'http://128.0.0.1/',
    'http://10.0.0.1/',
    'http://0.0.0.0/',
    'http://127.0.0.1.nip.io/',
    'http://localhost.evil.example/',
    'http://evil-localhost/',
    'http://[::2]/',
  ])('is false for %s', (url) => {
    expect(isLoopbackUrl(url)).toBe(false);
  });

  it('accepts a URL object', () => {
    expect(isLoopbackUrl(new URL('http://127.0.0.1:9/'))).toBe(true);
    expect(isLoopbackUrl(new URL('https://example.com/'))).toBe(false);
  });
});

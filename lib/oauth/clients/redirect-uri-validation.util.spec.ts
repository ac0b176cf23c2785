import {
  checkRedirectUri,
  hasOnlyLoopbackRedirectUris,
  isLoopbackRedirectUri,
  parseLoopbackRedirectUri,
  redirectUriDisplayHost,
  type RedirectUriRules,
} from './redirect-uri-validation.util.js';

const rules: RedirectUriRules = { allowLocalhost: true };
const reason = (value: unknown, r: RedirectUriRules = rules) => {
  const check = checkRedirectUri(value, r);
  return check.ok ? undefined : check.reason;
};

describe('checkRedirectUri', () => {
  describe('accepts the redirect URIs real MCP clients register', () => {
    it.each([
      ['Claude (claude.ai)', 'https://claude.ai/api/mcp/auth_callback', 'https'],
      ['Claude (claude.com)', 'https://claude.com/api/mcp/auth_callback', 'https'],
      ['Cursor (private-use scheme, P13)', 'cursor://anysphere.cursor-mcp/oauth/callback', 'private-use'],
      ['RFC 8252 reverse-domain scheme', 'com.example.app:/oauth2redirect/example-provider', 'private-use'],
      ['MCP Inspector web', 'http://localhost:6274/oauth/callback', 'loopback'],
      ['MCP Inspector guided flow', 'http://localhost:6274/oauth/callback/debug', 'loopback'],
      ['MCP Inspector CLI', 'http://127.0.0.1:6276/oauth/callback', 'loopback'],
      ['mcp-remote', 'http://localhost:3334/oauth/callback', 'loopback'],
      ['catalog pub1', 'http://127.0.0.1:5555/cb', 'loopback'],
      ['catalog lb1 (no port)', 'http://127.0.0.1/cb', 'loopback'],
      ['IPv6 loopback', 'http://[::1]:8080/cb', 'loopback'],
      ['loopback without a path', 'http://127.0.0.1:33418', 'loopback'],
      ['https with a query', 'https://app.example/cb?tenant=a', 'https'],
      ['https on a non-default port', 'https://app.example:8443/cb', 'https'],
      ['https origin without a path', 'https://app.example', 'https'],
      ['punycode host (D-21)', 'https://xn--clent-o2e.example/cb', 'https'],
    ])('%s: %s', (_name, uri, kind) => {
      expect(checkRedirectUri(uri, rules)).toEqual({ ok: true, kind });
    });
  });

  describe('D-01: forbidden schemes, also hidden by case, whitespace and control characters', () => {
    it.each([
      ['javascript:alert(1)', 'javascript'],
      ['JaVaScRiPt:alert(1)', 'javascript'],
      [' javascript:alert(1)', 'javascript'],
      ['java\tscript:alert(1)', 'javascript'],
      ['\u0001javascript:alert(1)', 'javascript'],
      ['\u200bjavascript:alert(1)', 'javascript'],
      ['data:text/html,<script>alert(1)</script>', 'data'],
      ['vbscript:msgbox(1)', 'vbscript'],
      ['file:///etc/passwd', 'file'],
      ['blob:https://x/1', 'blob'],
      ['about:blank', 'about'],
      ['DATA:text/html,x', 'data'],
    ])('%j', (uri, scheme) => {
      expect(reason(uri)).toBe(`must not use the ${scheme}: scheme`);
    });
  });

  describe('D-02: http only on loopback hosts', () => {
    it.each([
      'http://evil.example/cb',
      'http://10.0.0.5/cb',
      'http://localhost.evil.example/cb',
      'http://127.0.0.1.nip.io/cb',
      'http://127.0.0.2/cb',
      'http://0.0.0.0:5555/cb',
    ])('%s', (uri) => {
      expect(reason(uri)).toMatch(/may use http only on a loopback host/);
    });

    it('P-6: accepts localhost by default and refuses it when allowLocalhost is off', () => {
      expect(checkRedirectUri('http://localhost:3334/oauth/callback', { allowLocalhost: true }).ok).toBe(true);
      expect(reason('http://localhost:3334/oauth/callback', { allowLocalhost: false })).toMatch(
        /must not use localhost/,
      );
      expect(checkRedirectUri('http://127.0.0.1:3334/oauth/callback', { allowLocalhost: false }).ok).toBe(true);
      expect(checkRedirectUri('http://[::1]:3334/oauth/callback', { allowLocalhost: false }).ok).toBe(true);
    });
  });

  describe('D-03: fragments, wildcards and relative references', () => {
    it.each([
      ['https://client.example/cb#f', 'must not contain a fragment'],
      ['https://client.example/cb#', 'must not contain a fragment'],
      ['https://*.client.example/cb', 'must be an exact URI: wildcards are not allowed'],
      ['https://client.example/*', 'must be an exact URI: wildcards are not allowed'],
      ['/cb', 'must be an absolute URI with a scheme'],
      ['cb', 'must be an absolute URI with a scheme'],
      ['//evil.example/cb', 'must be an absolute URI with a scheme'],
      ['https:evil.example', 'must start with https://'],
      ['https:///cb', 'must have a host'],
      ['http://:5555/cb', 'must have a host'],
    ])('%s', (uri, expected) => {
      expect(reason(uri)).toBe(expected);
    });
  });

  describe('D-04: user information and backslash tricks', () => {
    it.each([
      ['https://client.example@evil.example/cb', 'must not contain user information'],
      ['https://client.example%40evil.example/cb', 'must not percent-encode its host'],
      ['https://evil.example\\@client.example/cb', 'must not contain a backslash'],
      ['http://127.0.0.1:5555@evil.example/cb', 'must not contain user information'],
      ['http://localhost:8090%25@example.com/cb', 'must not contain user information'],
      ['https://user:pass@client.example/cb', 'must not contain user information'],
      ['cursor://user@anysphere.cursor-mcp/cb', 'must not contain user information'],
    ])('%s', (uri, expected) => {
      expect(reason(uri)).toBe(expected);
    });
  });

  describe('dot-segments, encoded separators and non-canonical forms', () => {
    it.each([
      ['https://client.example/cb/../evil', /dot-segments/],
      ['https://client.example/a/./cb', /dot-segments/],
      ['https://client.example/cb/%2e%2e/evil', /dot-segments/],
      ['https://client.example/cb/.%2E/evil', /dot-segments/],
      ['http://127.0.0.1:5555/cb/..', /dot-segments/],
      ['cursor://anysphere.cursor-mcp/a/../b', /dot-segments/],
      ['com.example.app:/a/%2e/b', /dot-segments/],
      ['https://client.example/cb%2F..%2Fevil', /percent-encoded slashes/],
      ['https://client.example/cb%5C..', /percent-encoded slashes/],
      ['https://client.example/cb%00', /NUL/],
      ['HTTPS://client.example/cb', /lower-case scheme/],
      ['https://CLIENT.EXAMPLE/cb', /canonical form/],
      ['https://client.example:443/cb', /canonical form/],
      ['http://127.0.0.1:80/cb', /canonical form/],
      ['http://127.000.000.001:5555/cb', /loopback|canonical/],
      ['http://2130706433:5555/cb', /canonical form/],
      ['http://0x7f.1:5555/cb', /canonical form/],
      ['https://client.example/c b', /whitespace/],
      ['https://client.example/cb\n', /whitespace/],
      [' https://client.example/cb', /whitespace/],
      ['https://client.example/cb ', /whitespace/],
      ['https://client.example/cb"x', /canonical form/],
      ['Cursor://anysphere.cursor-mcp/oauth/callback', /lower-case scheme/],
    ])('%j', (uri, expected) => {
      expect(reason(uri)).toMatch(expected);
    });
  });

  describe('private-use schemes', () => {
    it.each([
      ['myapp:callback', /scheme:\/path/],
      ['mailto:a@example.com', /scheme:\/path/],
      ['ws://127.0.0.1/cb', /must not use the ws: scheme/],
      ['wss://example.com/cb', /must not use the wss: scheme/],
      ['ftp://example.com/cb', /must not use the ftp: scheme/],
      ['view-source:https://x/', /must not use the view-source: scheme/],
    ])('%s is refused', (uri, expected) => {
      expect(reason(uri)).toMatch(expected);
    });
  });

  describe('D-21: internationalised hosts must be punycode', () => {
    it('refuses the Unicode (homoglyph) form and accepts the punycode form as a distinct string', () => {
      expect(reason('https://cl\u0456ent.example/cb')).toMatch(/ASCII/);
      expect(checkRedirectUri('https://xn--clent-o2e.example/cb', rules)).toEqual({ ok: true, kind: 'https' });
    });
  });

  describe('D-05, D-08: types and sizes', () => {
    it.each([[null], [123], [['x']], [{ href: 'https://x/cb' }], [undefined]])('%j is refused', (value) => {
      expect(reason(value)).toBe('must be a string');
    });

    it('refuses empty strings and URIs longer than 2048 characters', () => {
      expect(reason('')).toBe('must not be empty');
      const long = `https://client.example/${'a'.repeat(2048)}`;
      expect(reason(long)).toBe('must be at most 2048 characters');
      expect(reason(`https://client.example/${'a'.repeat(2048 - 'https://client.example/'.length)}`)).toBeUndefined();
    });
  });
});

describe('parseLoopbackRedirectUri and friends', () => {
  it('splits a loopback URI into host, port and the exact rest', () => {
    expect(parseLoopbackRedirectUri('http://127.0.0.1:5555/cb?x=1')).toEqual({
      host: '127.0.0.1',
      port: '5555',
      rest: '/cb?x=1',
    });
    expect(parseLoopbackRedirectUri('http://[::1]/cb')).toEqual({ host: '[::1]', port: undefined, rest: '/cb' });
    expect(parseLoopbackRedirectUri('http://localhost:1')).toEqual({ host: 'localhost', port: '1', rest: '' });
  });

  it.each([
    'https://127.0.0.1:5555/cb',
    'HTTP://127.0.0.1:5555/cb',
    'http://127.0.0.1:65536/cb',
    'http://127.0.0.1:05555/cb',
    'http://127.0.0.1:5555@evil.example/cb',
    'http://127.0.0.1.evil.example/cb',
    'http://LOCALHOST:5555/cb',
  ])('%s is not a loopback redirect URI', (uri) => {
    expect(parseLoopbackRedirectUri(uri)).toBeUndefined();
    expect(isLoopbackRedirectUri(uri)).toBe(false);
  });

  it('D-27: tells whether every redirect URI is a loopback one', () => {
    expect(hasOnlyLoopbackRedirectUris(['http://127.0.0.1/cb', 'http://localhost:1/cb'])).toBe(true);
    expect(hasOnlyLoopbackRedirectUris(['http://127.0.0.1/cb', 'https://app.example/cb'])).toBe(false);
    expect(hasOnlyLoopbackRedirectUris([])).toBe(false);
  });

  it('D-21: shows the punycode host name on the consent page', () => {
    expect(redirectUriDisplayHost('https://xn--clent-o2e.example/cb')).toBe('xn--clent-o2e.example');
    expect(redirectUriDisplayHost('http://[::1]:5555/cb')).toBe('[::1]');
    expect(redirectUriDisplayHost('cursor://anysphere.cursor-mcp/oauth/callback')).toBe(
      'cursor://anysphere.cursor-mcp',
    );
    expect(redirectUriDisplayHost('com.example.app:/cb')).toBe('com.example.app:');
  });
});

import { matchRedirectUri } from './redirect-uri-matching.util.js';

// Clients of the security catalog (section 0.1), by their registered redirect URIs.
const pub1 = { redirectUris: ['http://127.0.0.1:5555/cb'] };
const web1 = { redirectUris: ['https://client.example/cb'] };
const lb1 = { redirectUris: ['http://127.0.0.1/cb'] };

/** The near misses of A-03, built from a base URI; raw strings, so every encoding survives. */
function nearMisses(base: string): string[] {
  return [
    `${base}/`,
    base.replace(/cb$/, 'CB'),
    `${base}?x=1`,
    `${base}#x`,
    base.replace(/cb$/, 'c%62'),
    `${base}/../evil`,
    `${base}/..%2Fevil`,
    `${base}%2F..%2Fevil`,
    `${base}/%2e%2e%2Fevil`,
    `${base}/..%252Fevil`,
    `${base}/;/../../evil`,
    `${base}%3B%2F..%2F..%2Fevil`,
    `${base}%0A%0D/../evil`,
    `${base}\n\r/../evil`,
    `${base}/Wrong`,
    `${base}%00`,
    `${base}\u0000`,
    ` ${base}`,
    `${base} `,
    `${base}\t`,
  ];
}

describe('matchRedirectUri', () => {
  it('returns the registered URI on an exact match', () => {
    expect(matchRedirectUri(pub1, 'http://127.0.0.1:5555/cb')).toBe('http://127.0.0.1:5555/cb');
    expect(matchRedirectUri(web1, 'https://client.example/cb')).toBe('https://client.example/cb');
    const two = { redirectUris: ['https://a.example/cb', 'cursor://anysphere.cursor-mcp/oauth/callback'] };
    expect(matchRedirectUri(two, 'cursor://anysphere.cursor-mcp/oauth/callback')).toBe(
      'cursor://anysphere.cursor-mcp/oauth/callback',
    );
  });

  describe('A-03: every near miss fails (exact string match)', () => {
    it.each(nearMisses('http://127.0.0.1:5555/cb'))('pub1: %j', (requested) => {
      expect(matchRedirectUri(pub1, requested)).toBeUndefined();
    });

    it.each(nearMisses('https://client.example/cb'))('web1: %j', (requested) => {
      expect(matchRedirectUri(web1, requested)).toBeUndefined();
    });

    it.each([
      'HTTP://127.0.0.1:5555/cb',
      'http://127.0.0.1:5555@evil.example/cb',
      'http://evil.example@127.0.0.1:5555/cb',
      'http://127.0.0.1:5555\\@evil.example/cb',
      'http://127.000.000.001:5555/cb',
      'http://2130706433:5555/cb',
      'http://0x7f.1:5555/cb',
      'http://localhost:5555/cb',
      'http://[::1]:5555/cb',
      'http://127.0.0.1:05555/cb',
      'http://127.0.0.1:5555/cb/',
      'https://127.0.0.1:5555/cb',
      'http://127.0.0.1:5555cb',
    ])('pub1 (loopback specials): %j', (requested) => {
      expect(matchRedirectUri(pub1, requested)).toBeUndefined();
    });

    it.each([
      'https://client.example:443/cb',
      'https://CLIENT.EXAMPLE/cb',
      'HTTPS://client.example/cb',
      'http://client.example/cb',
      'https://client.example/cb?',
      'https://client.example./cb',
    ])('web1 (normalisation is never applied): %j', (requested) => {
      expect(matchRedirectUri(web1, requested)).toBeUndefined();
    });
  });

  describe('A-04: loopback redirect URIs match on any port, nothing else varies (RFC 8252 §7.3, P-6)', () => {
    it('lb1 (registered without a port) accepts any port', () => {
      expect(matchRedirectUri(lb1, 'http://127.0.0.1:61234/cb')).toBe('http://127.0.0.1/cb');
      expect(matchRedirectUri(lb1, 'http://127.0.0.1/cb')).toBe('http://127.0.0.1/cb');
    });

    it.each([
      'http://127.0.0.1:61234/cb2',
      'https://127.0.0.1:61234/cb',
      'http://127.0.0.1:61234@evil.example/cb',
      'http://localhost:61234/cb',
      'http://[::1]:61234/cb',
      'http://127.0.0.1:61234/cb?x=1',
      'http://127.0.0.1:61234/CB',
      'http://127.0.0.1:99999/cb',
      'http://127.0.0.1:/cb',
    ])('lb1 refuses %j', (requested) => {
      expect(matchRedirectUri(lb1, requested)).toBeUndefined();
    });

    it('pub1 (registered with port 5555) accepts another port: the port is never part of the match', () => {
      expect(matchRedirectUri(pub1, 'http://127.0.0.1:5556/cb')).toBe('http://127.0.0.1:5555/cb');
      expect(matchRedirectUri(pub1, 'http://127.0.0.1/cb')).toBe('http://127.0.0.1:5555/cb');
    });

    it('localhost and [::1] registrations vary the port only on the same host', () => {
      const inspector = { redirectUris: ['http://localhost:6274/oauth/callback', 'http://[::1]:1/cb'] };
      expect(matchRedirectUri(inspector, 'http://localhost:7000/oauth/callback')).toBe(
        'http://localhost:6274/oauth/callback',
      );
      expect(matchRedirectUri(inspector, 'http://127.0.0.1:6274/oauth/callback')).toBeUndefined();
      expect(matchRedirectUri(inspector, 'http://[::1]:2/cb')).toBe('http://[::1]:1/cb');
      expect(matchRedirectUri(inspector, 'http://localhost:2/cb')).toBeUndefined();
    });
  });

  it('A-05: a non-loopback https URI with another port fails', () => {
    expect(matchRedirectUri(web1, 'https://client.example:8443/cb')).toBeUndefined();
    const withPort = { redirectUris: ['https://client.example:8443/cb'] };
    expect(matchRedirectUri(withPort, 'https://client.example:8444/cb')).toBeUndefined();
    expect(matchRedirectUri(withPort, 'https://client.example/cb')).toBeUndefined();
  });

  describe('A-07: a repeated or structured parameter never matches', () => {
    it.each([
      [['http://127.0.0.1:5555/cb', 'https://evil.example/cb']],
      [['http://127.0.0.1:5555/cb']],
      [{ x: 'http://127.0.0.1:5555/cb' }],
      [undefined],
      [null],
      [5555],
      [''],
    ])('%j', (requested) => {
      expect(matchRedirectUri(pub1, requested)).toBeUndefined();
    });
  });

  it('refuses oversized values without comparing them', () => {
    expect(matchRedirectUri(pub1, `http://127.0.0.1:5555/cb${'a'.repeat(5000)}`)).toBeUndefined();
  });
});

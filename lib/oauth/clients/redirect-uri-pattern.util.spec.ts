import { compileRedirectUriPattern, isAllowedByPatterns } from './redirect-uri-pattern.util.js';

const test = (pattern: string, uri: string) => compileRedirectUriPattern(pattern).test(uri);

describe('compileRedirectUriPattern', () => {
  it('matches a literal pattern exactly', () => {
    const claude = 'https://claude.ai/api/mcp/auth_callback';
    expect(test(claude, claude)).toBe(true);
    expect(test(claude, `${claude}/`)).toBe(false);
    expect(test(claude, `${claude}?x=1`)).toBe(false);
    expect(test(claude, 'https://claude.ai.evil.example/api/mcp/auth_callback')).toBe(false);
    expect(test(claude, 'https://claude.ai:8443/api/mcp/auth_callback')).toBe(false);
    expect(test(claude, 'http://claude.ai/api/mcp/auth_callback')).toBe(false);
    expect(test('HTTPS://Claude.AI/api/mcp/auth_callback', claude)).toBe(true);
  });

  it('*. in a host stands for exactly one label', () => {
    const pattern = 'https://*.example.com/cb';
    expect(test(pattern, 'https://a.example.com/cb')).toBe(true);
    expect(test(pattern, 'https://a.b.example.com/cb')).toBe(false);
    expect(test(pattern, 'https://example.com/cb')).toBe(false);
    expect(test(pattern, 'https://aexample.com/cb')).toBe(false);
    expect(test(pattern, 'https://a.example.com.evil.example/cb')).toBe(false);
  });

  it('* in a path stays inside one segment; ** crosses segments but not into the query', () => {
    expect(test('https://app.example/oauth/*/cb', 'https://app.example/oauth/t1/cb')).toBe(true);
    expect(test('https://app.example/oauth/*/cb', 'https://app.example/oauth/t1/t2/cb')).toBe(false);
    expect(test('https://app.example/oauth/**', 'https://app.example/oauth/t1/t2/cb')).toBe(true);
    expect(test('https://app.example/oauth/**', 'https://app.example/oauth/cb?x=1')).toBe(false);
    expect(test('https://app.example/oauth/**', 'https://app.example/other')).toBe(false);
    expect(test('https://app.example/cb?tenant=*', 'https://app.example/cb?tenant=a')).toBe(true);
    expect(test('https://app.example/cb?tenant=*', 'https://app.example/cb')).toBe(false);
  });

  it('ports: literal, * for any, absent for none; ignored on http loopback hosts', () => {
    expect(test('https://app.example:8443/cb', 'https://app.example:8443/cb')).toBe(true);
    expect(test('https://app.example:8443/cb', 'https://app.example/cb')).toBe(false);
    expect(test('https://app.example:*/cb', 'https://app.example:9000/cb')).toBe(true);
    expect(test('https://app.example:*/cb', 'https://app.example/cb')).toBe(true);
    expect(test('https://app.example/cb', 'https://app.example:9000/cb')).toBe(false);
    expect(test('http://127.0.0.1/**', 'http://127.0.0.1:61234/callback')).toBe(true);
    expect(test('http://127.0.0.1:8080/cb', 'http://127.0.0.1:9999/cb')).toBe(true);
    expect(test('http://localhost/**', 'http://127.0.0.1:1/cb')).toBe(false);
    expect(test('http://[::1]/cb', 'http://[::1]:5/cb')).toBe(true);
  });

  it('private-use schemes', () => {
    expect(test('cursor://anysphere.cursor-mcp/**', 'cursor://anysphere.cursor-mcp/oauth/callback')).toBe(true);
    expect(test('cursor://anysphere.cursor-mcp/**', 'cursor://evil/oauth/callback')).toBe(false);
    expect(test('com.example.app:/cb', 'com.example.app:/cb')).toBe(true);
    expect(test('com.example.app:/cb', 'com.example.app://cb')).toBe(false);
  });

  it.each([
    ['', /1 to 2048/],
    ['https://app.example/cb#x', /fragment/],
    ['https://app .example/cb', /printable ASCII/],
    ['javascript:/x', /javascript/],
    ['https:app.example/cb', /must start with https:\/\//],
    ['https://user@app.example/cb', /user information/],
    ['https://a*.example.com/cb', /wildcard only as its whole first label/],
    ['https://*/cb', /wildcard only/],
    ['https://app.example:abc/cb', /invalid port/],
    ['*://app.example/cb', /must have the form/],
    ['https://app.example\\cb', /backslash/],
    ['https:///cb', /must have a host/],
  ])('refuses the pattern %j', (pattern, message) => {
    expect(() => compileRedirectUriPattern(pattern)).toThrow(message);
  });

  it('isAllowedByPatterns: no list allows all, a list needs one match', () => {
    const patterns = ['https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1/**'].map(compileRedirectUriPattern);
    expect(isAllowedByPatterns('https://anything.example/cb', undefined)).toBe(true);
    expect(isAllowedByPatterns('http://127.0.0.1:5/cb', patterns)).toBe(true);
    expect(isAllowedByPatterns('https://anything.example/cb', patterns)).toBe(false);
    expect(isAllowedByPatterns('https://anything.example/cb', [])).toBe(false);
  });
});

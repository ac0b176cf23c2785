import { buildBearerChallenge } from './www-authenticate.js';

/**
 * Minimal RFC 7235 parser for one `Bearer` challenge whose auth-params are all quoted-strings:
 * returns the params in order, unescaping `\x` pairs. Throws on anything it cannot parse, so a
 * value that breaks out of its quotes fails the test instead of being read leniently.
 */
function parseChallenge(header: string): Array<[string, string]> {
  const match = /^Bearer(?: (.*))?$/s.exec(header);
  if (!match) throw new Error(`not a Bearer challenge: ${header}`);
  const params: Array<[string, string]> = [];
  let rest = match[1] ?? '';
  while (rest.length > 0) {
    const param = /^([A-Za-z_]+)="((?:[^"\\]|\\.)*)"(?:, |$)/s.exec(rest);
    if (!param) throw new Error(`cannot parse auth-param at: ${rest}`);
    params.push([param[1], param[2].replace(/\\(.)/gs, '$1')]);
    rest = rest.slice(param[0].length);
  }
  return params;
}

describe('buildBearerChallenge', () => {
  it('is the bare scheme when there is nothing to say', () => {
    expect(buildBearerChallenge({})).toBe('Bearer');
  });

  it('orders the parameters error, error_description, resource_metadata, scope', () => {
    expect(
      buildBearerChallenge({
        scopes: ['notes:read', 'notes:write'],
        resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
        errorDescription: 'The token expired',
        error: 'invalid_token',
      }),
    ).toBe(
      'Bearer error="invalid_token", error_description="The token expired", ' +
        'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", ' +
        'scope="notes:read notes:write"',
    );
  });

  it('sends no error parameter when the error is undefined (RFC 6750 §3.1, no credentials)', () => {
    const header = buildBearerChallenge({ resourceMetadata: 'https://x.example/meta', scopes: ['a'] });
    expect(header).toBe('Bearer resource_metadata="https://x.example/meta", scope="a"');
    expect(header).not.toMatch(/error/);
  });

  it('omits empty values: empty error, empty description and an empty scope list', () => {
    expect(buildBearerChallenge({ error: '', errorDescription: '', scopes: [] })).toBe('Bearer');
  });

  it('joins scopes with single spaces', () => {
    expect(parseChallenge(buildBearerChallenge({ scopes: ['a', 'b', 'c'] }))).toEqual([['scope', 'a b c']]);
  });

  it.each([
    ['a double quote', 'say "hi"', 'say \\"hi\\"'],
    ['a backslash', 'C:\\path', 'C:\\\\path'],
    ['a backslash before a quote', 'x\\"y', 'x\\\\\\"y'],
  ])('escapes %s inside quoted values', (_name, value, escaped) => {
    expect(buildBearerChallenge({ errorDescription: value })).toBe(`Bearer error_description="${escaped}"`);
    expect(parseChallenge(buildBearerChallenge({ errorDescription: value }))).toEqual([['error_description', value]]);
  });

  it.each([
    ['CR LF', 'a\r\nX-Injected: 1', 'aX-Injected: 1'],
    ['TAB', 'a\tb', 'ab'],
    ['NUL', 'a\u0000b', 'ab'],
    ['unit separator', 'a\u001fb', 'ab'],
    ['DEL', 'a\u007fb', 'ab'],
  ])('strips control characters (%s)', (_name, value, expected) => {
    expect(buildBearerChallenge({ errorDescription: value })).toBe(`Bearer error_description="${expected}"`);
  });

  it('keeps a hostile value inside its own parameter (T-08: no extra auth-params, no breakout)', () => {
    const hostile = 'https://a", error="insufficient_scope", scope="admin';
    const params = parseChallenge(
      buildBearerChallenge({ resourceMetadata: hostile, scopes: ['x", error="y'], errorDescription: '\\", a="b' }),
    );
    expect(params).toEqual([
      ['error_description', '\\", a="b'],
      ['resource_metadata', hostile],
      ['scope', 'x", error="y'],
    ]);
  });

  it('escapes the error code and the scopes like any other value', () => {
    expect(buildBearerChallenge({ error: 'bad"code', scopes: ['s\\1'] })).toBe(
      'Bearer error="bad\\"code", scope="s\\\\1"',
    );
  });
});

describe('buildBearerChallenge with characters outside printable ASCII', () => {
  it('drops them, so Node never refuses the header', () => {
    expect(buildBearerChallenge({ scopes: ['notes:€read'], errorDescription: 'é', error: 'invalid_token' })).toBe(
      'Bearer error="invalid_token", error_description="", scope="notes:read"',
    );
  });
});

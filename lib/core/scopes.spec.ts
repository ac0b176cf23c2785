import { expandScopes, hasScopes, missingScopes, parseScopeString, scopesFromClaims } from './scopes.js';

describe('parseScopeString', () => {
  it('splits on single spaces', () => {
    expect(parseScopeString('mcp:read mcp:write')).toEqual(['mcp:read', 'mcp:write']);
  });

  it('ignores empty tokens from leading, trailing and repeated spaces', () => {
    expect(parseScopeString('  mcp:read   mcp:write ')).toEqual(['mcp:read', 'mcp:write']);
  });

  it('returns nothing for an empty or all-space string', () => {
    expect(parseScopeString('')).toEqual([]);
    expect(parseScopeString('   ')).toEqual([]);
  });

  // V-26: only %x20 separates scope tokens (RFC 6749 §3.3).
  it.each([
    ['a tab', 'mcp:read\tmcp:write', ['mcp:read\tmcp:write']],
    ['a comma', 'mcp:read,mcp:write', ['mcp:read,mcp:write']],
    ['a newline', 'mcp:read\nmcp:write', ['mcp:read\nmcp:write']],
    ['a non-breaking space', 'mcp:read\u00a0mcp:write', ['mcp:read\u00a0mcp:write']],
    ['a plus sign', 'mcp:read+mcp:write', ['mcp:read+mcp:write']],
  ])('does not split on %s (V-26)', (_name, scope, expected) => {
    expect(parseScopeString(scope)).toEqual(expected);
    expect(parseScopeString(scope)).not.toContain('mcp:write');
  });

  it.each(['mcp:writer', 'mcp:write_x', 'xmcp:write', 'mcp:read mcp:writ', '*'])(
    'keeps near-miss tokens such as %j whole, so they never match mcp:write (V-26)',
    (scope) => {
      expect(parseScopeString(scope)).not.toContain('mcp:write');
    },
  );
});

describe('scopesFromClaims', () => {
  it('reads a space-delimited scope string', () => {
    expect(scopesFromClaims({ scope: 'a b  c' })).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['an array', ['mcp:write']],
    ['a number', 1],
    ['null', null],
    ['an object', { 'mcp:write': true }],
    ['a boolean', true],
  ])('grants nothing for a scope claim that is %s (V-26 policy: scope must be a string)', (_name, scope) => {
    expect(scopesFromClaims({ scope })).toEqual([]);
  });

  it('reads scp as a space-delimited string (Entra ID)', () => {
    expect(scopesFromClaims({ scp: 'a b' })).toEqual(['a', 'b']);
  });

  it('reads scp as an array of strings, ignoring non-string and empty members (Okta)', () => {
    expect(scopesFromClaims({ scp: ['a', 1, null, '', 'b', { c: 1 }] })).toEqual(['a', 'b']);
  });

  it('does not split array members on spaces', () => {
    expect(scopesFromClaims({ scp: ['a b'] })).toEqual(['a b']);
  });

  it('grants nothing for scp of another type', () => {
    expect(scopesFromClaims({ scp: 7 })).toEqual([]);
    expect(scopesFromClaims({ scp: { a: 1 } })).toEqual([]);
  });

  it('prefers scope over scp when both are present, even an empty scope', () => {
    expect(scopesFromClaims({ scope: 'a', scp: ['b'] })).toEqual(['a']);
    expect(scopesFromClaims({ scope: '', scp: ['b'] })).toEqual([]);
  });

  it('falls back to scp when scope is not a string', () => {
    expect(scopesFromClaims({ scope: ['a'], scp: 'b' })).toEqual(['b']);
  });

  it('grants nothing without either claim', () => {
    expect(scopesFromClaims({ sub: 'u' })).toEqual([]);
  });
});

describe('expandScopes', () => {
  it('returns the granted scopes when there is no hierarchy', () => {
    expect([...expandScopes(['a', 'b'], undefined)]).toEqual(['a', 'b']);
  });

  it('adds the scopes a granted scope implies', () => {
    const expanded = expandScopes(['mcp:admin'], { 'mcp:admin': ['mcp:read', 'mcp:write'] });
    expect([...expanded].sort()).toEqual(['mcp:admin', 'mcp:read', 'mcp:write']);
  });

  it('is transitive', () => {
    const expanded = expandScopes(['a'], { a: ['b'], b: ['c'], c: ['d'] });
    expect([...expanded].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('never adds scopes implied only by scopes that were not granted', () => {
    expect([...expandScopes(['b'], { a: ['b', 'x'], b: ['c'] })].sort()).toEqual(['b', 'c']);
  });

  it('terminates on cycles', () => {
    const expanded = expandScopes(['a'], { a: ['b'], b: ['c'], c: ['a', 'd'] });
    expect([...expanded].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('terminates on a scope that implies itself', () => {
    expect([...expandScopes(['a'], { a: ['a'] })]).toEqual(['a']);
  });

  it('does not modify its inputs', () => {
    const granted = ['a'];
    const implied = { a: ['b'] };
    expandScopes(granted, implied);
    expect(granted).toEqual(['a']);
    expect(implied).toEqual({ a: ['b'] });
  });
});

describe('missingScopes', () => {
  it('returns the required scopes not granted, in required order', () => {
    expect(missingScopes(['c', 'a', 'b'], new Set(['a']))).toEqual(['c', 'b']);
  });

  it('returns nothing when everything is granted or nothing is required', () => {
    expect(missingScopes(['a'], new Set(['a', 'b']))).toEqual([]);
    expect(missingScopes([], new Set())).toEqual([]);
  });
});

describe('hasScopes', () => {
  it('is true when nothing is required, even with no grant', () => {
    expect(hasScopes([], [], undefined)).toBe(true);
    expect(hasScopes([], [], { a: ['b'] })).toBe(true);
  });

  it('requires every scope without a hierarchy', () => {
    expect(hasScopes(['a', 'b'], ['a', 'b'], undefined)).toBe(true);
    expect(hasScopes(['a'], ['a', 'b'], undefined)).toBe(false);
  });

  it.each(['mcp:writer', 'mcp:write_x', 'xmcp:write', 'mcp:read mcp:writ', 'mcp:read\tmcp:write', '*'])(
    'refuses mcp:write for a token whose scope string is %j (V-26)',
    (scope) => {
      expect(hasScopes(parseScopeString(scope), ['mcp:write'], undefined)).toBe(false);
    },
  );

  it('accepts a scope implied by a granted one', () => {
    const implied = { 'mcp:admin': ['mcp:read', 'mcp:write'] };
    expect(hasScopes(['mcp:admin'], ['mcp:read', 'mcp:write'], implied)).toBe(true);
    expect(hasScopes(['mcp:admin'], ['mcp:delete'], implied)).toBe(false);
  });

  it('does not let an implied scope grant the scope that implies it', () => {
    expect(hasScopes(['mcp:read'], ['mcp:admin'], { 'mcp:admin': ['mcp:read'] })).toBe(false);
  });

  it('follows the hierarchy transitively', () => {
    expect(hasScopes(['a'], ['c'], { a: ['b'], b: ['c'] })).toBe(true);
  });
});

describe('scope names that are Object.prototype members', () => {
  it.each(['toString', 'constructor', 'valueOf', 'hasOwnProperty', '__proto__'])('%s implies nothing', (scope) => {
    expect(expandScopes([scope], { a: ['b'] })).toEqual(new Set([scope]));
    expect(hasScopes([scope], ['b'], { a: ['b'] })).toBe(false);
  });
});

import { domainPatternProblem, isDomainAllowed, matchesDomainPattern } from './domain-pattern.util.js';

describe('CIMD domain patterns', () => {
  it('matches exact hosts and *. subdomains at any depth, never the apex or look-alikes', () => {
    expect(matchesDomainPattern('claude.ai', 'claude.ai')).toBe(true);
    expect(matchesDomainPattern('claude.ai', 'Claude.AI')).toBe(true);
    expect(matchesDomainPattern('evil.claude.ai', 'claude.ai')).toBe(false);
    expect(matchesDomainPattern('a.example.com', '*.example.com')).toBe(true);
    expect(matchesDomainPattern('a.b.example.com', '*.example.com')).toBe(true);
    expect(matchesDomainPattern('example.com', '*.example.com')).toBe(false);
    expect(matchesDomainPattern('evilexample.com', '*.example.com')).toBe(false);
    expect(matchesDomainPattern('example.com.evil.example', '*.example.com')).toBe(false);
  });

  it('deny wins over allow; no allow list allows every host', () => {
    expect(isDomainAllowed('a.example.com', undefined, undefined)).toBe(true);
    expect(isDomainAllowed('a.example.com', ['*.example.com'], ['a.example.com'])).toBe(false);
    expect(isDomainAllowed('b.example.com', ['*.example.com'], ['a.example.com'])).toBe(true);
    expect(isDomainAllowed('other.example', ['*.example.com'], undefined)).toBe(false);
    expect(isDomainAllowed('other.example', [], undefined)).toBe(false);
    expect(isDomainAllowed('evil.example', undefined, ['evil.example'])).toBe(false);
  });

  it.each(['*', '*.', 'https://a.example', 'a.example/', 'a..example', '-a.example', 'a.*.example', 'a_b.example', ''])(
    'refuses the pattern %j',
    (pattern) => {
      expect(domainPatternProblem(pattern)).toBeDefined();
    },
  );

  it.each(['a.example', '*.example.com', 'xn--clent-o2e.example', 'localhost'])('accepts the pattern %j', (pattern) => {
    expect(domainPatternProblem(pattern)).toBeUndefined();
  });
});

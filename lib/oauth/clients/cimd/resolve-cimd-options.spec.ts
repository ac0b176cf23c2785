import type { CimdOptions } from './cimd.options.js';
import { resolveCimdOptions, validateCimdOptions } from './resolve-cimd-options.js';

function problemsOf(options: unknown): string[] {
  const problems: string[] = [];
  validateCimdOptions('cimd', options as CimdOptions, problems);
  return problems;
}

describe('CIMD options', () => {
  it('documents its defaults (off unless enabled)', () => {
    expect(resolveCimdOptions()).toEqual({
      enabled: false,
      allowDomains: undefined,
      denyDomains: undefined,
      timeoutMs: 5000,
      maxBytes: 5120,
      cacheMinSeconds: 60,
      cacheMaxSeconds: 3600,
      maxCacheEntries: 1000,
    });
    expect(resolveCimdOptions({ enabled: true, allowDomains: ['*.Example.COM'] })).toMatchObject({
      enabled: true,
      allowDomains: ['*.example.com'],
    });
  });

  it('accepts valid options', () => {
    expect(
      problemsOf({
        enabled: true,
        allowDomains: ['claude.ai', '*.example.com'],
        denyDomains: ['evil.example'],
        timeoutMs: 2000,
      }),
    ).toEqual([]);
  });

  it.each([
    [{ timeoutMs: 10 }, 'cimd.timeoutMs: must not be less than 100'],
    [{ maxBytes: 10_000_000 }, 'cimd.maxBytes: must not be greater than 1048576'],
    [
      { allowDomains: ['*'] },
      'cimd.allowDomains[0]: must be a host name or *. followed by a domain (punycode for international names)',
    ],
    [
      { denyDomains: ['a.example', 'https://b.example'] },
      'cimd.denyDomains[1]: must be a host name or *. followed by a domain (punycode for international names)',
    ],
    [{ cacheMinSeconds: 600, cacheMaxSeconds: 60 }, 'cimd.cacheMinSeconds: must not exceed cacheMaxSeconds (60)'],
    [{ cacheMinSeconds: 7200 }, 'cimd.cacheMinSeconds: must not exceed cacheMaxSeconds (3600)'],
    [{ enable: true }, 'cimd.enable: unknown option'],
  ])('reports %j', (options, problem) => {
    expect(problemsOf(options)).toEqual([problem]);
  });
});

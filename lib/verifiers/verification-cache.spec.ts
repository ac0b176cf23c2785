import type { McpAccessToken } from '../core/access-token.js';
import { InvalidTokenError, type InvalidTokenReason } from '../core/errors/token.errors.js';
import { VerificationCache } from './verification-cache.js';

const T0 = 1_800_000_000_000;

function accessToken(raw: string): McpAccessToken {
  return { token: raw, sub: 'u1', clientId: 'c1', scopes: [], expiresAt: T0 / 1000 + 300, claims: {} };
}

describe('VerificationCache', () => {
  let now: number;
  let cache: VerificationCache;

  beforeEach(() => {
    now = T0;
    cache = new VerificationCache({ ttlSeconds: 60, maxEntries: 100 }, () => now);
  });

  it('returns an accepted token until the cache TTL when the token lives longer', () => {
    const token = accessToken('a');
    cache.accept('a', token, T0 + 300_000);
    now = T0 + 59_999;
    expect(cache.lookup('a')).toBe(token);
    now = T0 + 60_000;
    expect(cache.lookup('a')).toBeUndefined();
  });

  it('never keeps an accepted token past its validity, even inside the TTL', () => {
    cache.accept('a', accessToken('a'), T0 + 10_000);
    now = T0 + 9_999;
    expect(cache.lookup('a')).toBeDefined();
    now = T0 + 10_000;
    expect(cache.lookup('a')).toBeUndefined();
    // and it does not come back when the clock moves backwards: the entry is gone
    now = T0;
    expect(cache.lookup('a')).toBeUndefined();
  });

  it('does not store a token whose validity already ended', () => {
    cache.accept('a', accessToken('a'), T0);
    expect(cache.lookup('a')).toBeUndefined();
  });

  it('matches the exact token string only', () => {
    cache.accept('abc', accessToken('abc'), T0 + 10_000);
    expect(cache.lookup('abc ')).toBeUndefined();
    expect(cache.lookup('ab')).toBeUndefined();
    expect(cache.lookup('ABC')).toBeUndefined();
  });

  it('re-checks not-before on every hit and drops the entry when the clock is before it', () => {
    const token = accessToken('a');
    cache.accept('a', token, T0 + 100_000, T0 - 5_000);
    expect(cache.lookup('a')).toBe(token);
    now = T0 - 6_000; // clock stepped back before nbf - tolerance
    expect(cache.lookup('a')).toBeUndefined();
    now = T0;
    expect(cache.lookup('a')).toBeUndefined(); // must be verified again
  });

  it.each<InvalidTokenReason>([
    'malformed',
    'signature',
    'algorithm',
    'issuer',
    'audience',
    'type',
    'claims',
    'expired',
    'too_large',
  ])('remembers a permanent rejection (%s) for the TTL', (reason) => {
    const error = new InvalidTokenError('no', reason);
    cache.reject('bad', error);
    now = T0 + 59_999;
    expect(cache.lookup('bad')).toBe(error);
    now = T0 + 60_000;
    expect(cache.lookup('bad')).toBeUndefined();
  });

  it.each<InvalidTokenReason>(['unknown_key', 'not_yet_valid', 'inactive', 'unknown'])(
    'does not remember a rejection that time or a key rotation can change (%s)',
    (reason) => {
      cache.reject('bad', new InvalidTokenError('no', reason));
      expect(cache.lookup('bad')).toBeUndefined();
    },
  );

  it('caps negative entries separately, so a flood of junk tokens cannot evict accepted ones', () => {
    const big = new VerificationCache({ ttlSeconds: 60, maxEntries: 5000 }, () => now);
    const good = accessToken('good');
    big.accept('good', good, T0 + 100_000);
    for (let i = 0; i < 3000; i++) big.reject(`junk-${i}`, new InvalidTokenError('no', 'signature'));
    expect(big.lookup('good')).toBe(good);
    // at most 1000 rejections are kept, the oldest are dropped first
    expect(big.lookup('junk-0')).toBeUndefined();
    expect(big.lookup('junk-1999')).toBeUndefined();
    expect(big.lookup('junk-2000')).toBeInstanceOf(InvalidTokenError);
    expect(big.lookup('junk-2999')).toBeInstanceOf(InvalidTokenError);
  });

  it('bounds accepted entries to maxEntries, dropping the oldest', () => {
    const small = new VerificationCache({ ttlSeconds: 60, maxEntries: 3 }, () => now);
    for (const raw of ['a', 'b', 'c', 'd']) small.accept(raw, accessToken(raw), T0 + 100_000);
    expect(small.lookup('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((raw) => (small.lookup(raw) as McpAccessToken | undefined)?.token)).toEqual([
      'b',
      'c',
      'd',
    ]);
  });

  it('defaults to a 60 s TTL', () => {
    const defaults = new VerificationCache({}, () => now);
    defaults.accept('a', accessToken('a'), T0 + 3_600_000);
    now = T0 + 59_999;
    expect(defaults.lookup('a')).toBeDefined();
    now = T0 + 60_000;
    expect(defaults.lookup('a')).toBeUndefined();
  });
});

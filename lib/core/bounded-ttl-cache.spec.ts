import { BoundedTtlCache } from './bounded-ttl-cache.js';

describe('BoundedTtlCache', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns a stored value until it expires', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'v', now + 100);
    expect(cache.get('k')).toBe('v');
    now += 99;
    expect(cache.get('k')).toBe('v');
  });

  it('treats an entry as expired from its expiry time on, and removes it when read', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'v', now + 100);
    now += 100;
    expect(cache.size).toBe(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('returns undefined for an unknown key', () => {
    expect(new BoundedTtlCache<string>(10, clock).get('nope')).toBeUndefined();
  });

  it.each([
    ['now', 0],
    ['in the past', -1],
  ])('ignores a value whose expiry is %s', (_name, offset) => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'v', now + offset);
    expect(cache.size).toBe(0);
    expect(cache.get('k')).toBeUndefined();
  });

  it('ignores a value whose expiry is not a number', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'v', Number.NaN);
    expect(cache.size).toBe(0);
  });

  it('leaves an existing entry in place when a set is ignored for its past expiry', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'old', now + 100);
    cache.set('k', 'new', now - 1);
    expect(cache.get('k')).toBe('old');
  });

  it('replaces the value and the expiry of an existing key', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('k', 'a', now + 10);
    cache.set('k', 'b', now + 100);
    now += 50;
    expect(cache.get('k')).toBe('b');
    expect(cache.size).toBe(1);
  });

  it('never holds more than maxEntries, dropping the oldest first', () => {
    const cache = new BoundedTtlCache<number>(3, clock);
    for (let i = 0; i < 10; i++) {
      cache.set(`k${i}`, i, now + 1000);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.get('k6')).toBeUndefined();
    expect([cache.get('k7'), cache.get('k8'), cache.get('k9')]).toEqual([7, 8, 9]);
  });

  it('drops the oldest insertion even if it expires last', () => {
    const cache = new BoundedTtlCache<string>(2, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 10);
    cache.set('c', 'c', now + 10);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
  });

  it('makes a re-set key the newest, so it is evicted last', () => {
    const cache = new BoundedTtlCache<string>(3, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 1000);
    cache.set('c', 'c', now + 1000);
    cache.set('a', 'a2', now + 1000);
    cache.set('d', 'd', now + 1000);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('a2');
    expect(cache.get('c')).toBe('c');
    expect(cache.get('d')).toBe('d');
  });

  it('re-sets a key in a full cache without evicting another entry', () => {
    const cache = new BoundedTtlCache<string>(2, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 1000);
    cache.set('b', 'b2', now + 1000);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBe('a');
  });

  it('does not refresh an entry when it is read (insertion order, not LRU)', () => {
    const cache = new BoundedTtlCache<string>(2, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 1000);
    expect(cache.get('a')).toBe('a');
    cache.set('c', 'c', now + 1000);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
  });

  it('works with a single entry', () => {
    const cache = new BoundedTtlCache<string>(1, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 1000);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
  });

  it('deletes one key, and clears all', () => {
    const cache = new BoundedTtlCache<string>(10, clock);
    cache.set('a', 'a', now + 1000);
    cache.set('b', 'b', now + 1000);
    cache.delete('a');
    cache.delete('unknown');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('b')).toBeUndefined();
  });
});

describe('BoundedTtlCache with a zero bound', () => {
  it('keeps one entry instead of looping', () => {
    const cache = new BoundedTtlCache<number>(0, () => 0);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    expect(cache.size).toBe(1);
    expect(cache.get('b')).toBe(2);
  });
});

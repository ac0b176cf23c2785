import { cacheLifetimeSeconds } from './cache-lifetime.util.js';

describe('cacheLifetimeSeconds', () => {
  it.each([
    ['max-age=600', undefined, 600],
    ['public, max-age=600', undefined, 600],
    ['MAX-AGE=600', undefined, 600],
    ['max-age="600"', undefined, 600],
    ['max-age=600', '100', 500],
    ['max-age=600', 'garbage', 600],
    ['max-age=10', undefined, 60],
    ['max-age=999999', undefined, 3600],
    ['max-age=600, no-store', undefined, 60],
    ['no-cache', undefined, 60],
    ['max-age=-5', undefined, 60],
    ['max-age=abc', undefined, 60],
    [undefined, undefined, 60],
    ['max-age=600', '9999', 60],
  ])('Cache-Control %j with Age %j → %i s (bounds 60..3600)', (cacheControl, age, expected) => {
    expect(cacheLifetimeSeconds(cacheControl, age, 60, 3600)).toBe(expected);
  });

  it('a floor of 0 honours no-store; a ceiling of 0 disables caching', () => {
    expect(cacheLifetimeSeconds('no-store', undefined, 0, 3600)).toBe(0);
    expect(cacheLifetimeSeconds('max-age=600', undefined, 0, 0)).toBe(0);
  });
});

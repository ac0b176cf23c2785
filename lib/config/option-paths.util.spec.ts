import { getOptionAt, isPlainObject, leafEntries, OptionsBuilder } from './option-paths.util.js';

describe('option paths', () => {
  it('tells plain objects from arrays, class instances and null', () => {
    expect([{}, Object.create(null), [], new (class {})(), null, 'x'].map(isPlainObject)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('reads dotted paths through plain objects only', () => {
    const options = { verifier: { jwks: { timeoutMs: 5 } }, list: [{ a: 1 }] };
    expect(getOptionAt(options, 'verifier.jwks.timeoutMs')).toBe(5);
    expect(getOptionAt(options, 'verifier.cache.ttlSeconds')).toBeUndefined();
    expect(getOptionAt(options, 'list.0.a')).toBeUndefined();
    expect(getOptionAt(options, 'toString')).toBeUndefined();
  });

  it('lists the leaves of nested discriminators', () => {
    expect(leafEntries({ type: 'jwt' })).toEqual([['type', 'jwt']]);
    expect(leafEntries({ upstream: { provider: 'github' }, x: [1] })).toEqual([
      ['upstream.provider', 'github'],
      ['x', [1]],
    ]);
  });

  describe('OptionsBuilder', () => {
    it('sets nested options and reports the variable a second write conflicts with', () => {
      const builder = new OptionsBuilder();
      expect(builder.set('resourceUrl', 'https://a', 'RESOURCE_URL')).toBeUndefined();
      expect(builder.set('resourceUrl', 'https://b', 'BASE_URL')).toBe('RESOURCE_URL');
      expect(builder.set('verifier.cache', false, 'CACHE')).toBeUndefined();
      expect(builder.set('verifier.cache.ttlSeconds', 5, 'CACHE_TTL')).toBe('CACHE');
      expect(builder.set('verifier.jwks.timeoutMs', 5, 'JWKS_TIMEOUT')).toBeUndefined();
      expect(builder.set('verifier.jwks', {}, 'OTHER')).toBe('JWKS_TIMEOUT');
      expect(builder.options).toEqual({
        resourceUrl: 'https://a',
        verifier: { cache: false, jwks: { timeoutMs: 5 } },
      });
    });

    it('fixes nested discriminators without dropping what variables set', () => {
      const builder = new OptionsBuilder();
      builder.set('proxy.upstream.clientId', 'id', 'CLIENT_ID');
      builder.fix('proxy', { upstream: { provider: 'github' } });
      builder.fix('verifier', { type: 'jwt' });
      expect(builder.options).toEqual({
        proxy: { upstream: { clientId: 'id', provider: 'github' } },
        verifier: { type: 'jwt' },
      });
    });
  });
});

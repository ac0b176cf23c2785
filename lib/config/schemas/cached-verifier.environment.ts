import { EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

/**
 * The verification-result cache shared by the `jwt` and `introspection` schemas (and the
 * remote presets that verify through them).
 */
export abstract class CachedVerifierEnvironment {
  @EnvVariable({
    name: 'CACHE',
    option: 'cache',
    type: EnvTypes.boolean,
    map: (enabled: boolean) => (enabled ? undefined : false),
    default: 'true',
    description: 'Cache verification results in memory by exact token string; `false` verifies every request.',
  })
  cache?: boolean;

  @EnvVariable({
    name: 'CACHE_MAX_ENTRIES',
    option: 'cache.maxEntries',
    type: EnvTypes.integer,
    default: '10000',
    description: 'Cached results kept; the oldest are dropped first.',
  })
  cacheMaxEntries?: number;

  @EnvVariable({
    name: 'CACHE_TTL',
    option: 'cache.ttlSeconds',
    type: EnvTypes.seconds,
    default: '60s',
    description: "Longest time a result is reused (never past the token's `exp`).",
  })
  cacheTtl?: number;
}

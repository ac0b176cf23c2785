import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

const REDIS_OPTIONS = ['url', 'keyPrefix', 'commandTimeoutMs', 'connectTimeoutMs'];

/** `MCP_AUTH_STORAGE` may be left out: any Redis variable selects Redis, anything else memory. */
function inferStorageType(options: Record<string, unknown>): void {
  const storage = options.storage as Record<string, unknown> | undefined;
  if (storage === undefined || storage.type !== undefined) return;
  storage.type = REDIS_OPTIONS.some((option) => storage[option] !== undefined) ? 'redis' : 'memory';
}

/**
 * Where OAuth state lives, and the keys that encrypt stored upstream tokens.
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_',
  title: 'Storage (every provider)',
  description:
    'Where OAuth state lives (see [storage](storage.md)). Only the levels that keep state (3 and 4) build a store; several instances need Redis.',
  complete: inferStorageType,
})
export class StorageEnvironment {
  @EnvVariable({
    name: 'STORAGE',
    option: 'storage.type',
    type: EnvTypes.oneOf(['memory', 'redis']),
    default: '`memory`, or `redis` when a Redis variable is set',
    description: 'Storage backend.',
  })
  type?: string;

  @EnvVariable({
    name: 'MEMORY_MAX_ENTRIES',
    option: 'storage.maxEntries',
    type: EnvTypes.integer,
    default: '100000',
    description: 'In-memory storage: most records kept; the oldest written is dropped first.',
  })
  maxEntries?: number;

  @EnvVariable({
    name: 'REDIS_URL',
    option: 'storage.url',
    type: EnvTypes.string,
    secret: true,
    description: '`redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS.',
  })
  url?: string;

  @EnvVariable({
    name: 'REDIS_KEY_PREFIX',
    option: 'storage.keyPrefix',
    type: EnvTypes.string,
    default: '`mcp-auth:`',
    description: 'Prepended to every Redis key.',
  })
  keyPrefix?: string;

  @EnvVariable({
    name: 'REDIS_COMMAND_TIMEOUT',
    option: 'storage.commandTimeoutMs',
    type: EnvTypes.milliseconds,
    default: '1s',
    description: 'A Redis command without an answer within this time fails with 503.',
  })
  commandTimeout?: number;

  @EnvVariable({
    name: 'REDIS_CONNECT_TIMEOUT',
    option: 'storage.connectTimeoutMs',
    type: EnvTypes.milliseconds,
    default: '5s',
    description: 'Timeout of each connection attempt, and the longest wait for Redis at start-up.',
  })
  connectTimeout?: number;

  @EnvVariable({
    name: 'STORAGE_ENCRYPTION_KEYS',
    option: 'storageEncryption.keys',
    type: EnvTypes.encryptionKeys,
    secret: true,
    description:
      'Keys that encrypt stored upstream tokens: `id:key` pairs (32 random bytes, base64url), the sealing key first, e.g. `k2:…,k1:…`.',
  })
  encryptionKeys?: Array<{ id: string; key: string }>;
}

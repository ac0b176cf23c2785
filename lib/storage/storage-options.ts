import {
  Allow,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import type { Redis, RedisOptions } from 'ioredis';
import type { McpAuthStore } from './mcp-auth-store.interface.js';

/**
 * In-memory storage (the default): one process, lost on restart. Fine for development and
 * single-instance deployments; use `redis` as soon as two instances serve the same clients.
 *
 * @example `storage: { type: 'memory', maxEntries: 50_000 }`
 * @publicApi
 */
export class MemoryStoreOptions {
  @IsIn(['memory']) type!: 'memory';

  /**
   * Most records kept; when full, the oldest written record is dropped.
   * @default 100000
   */
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000) maxEntries?: number;

  /**
   * How often expired records are swept, in milliseconds.
   * @default 60000
   */
  @IsOptional() @IsInt() @Min(100) @Max(3_600_000) sweepIntervalMs?: number;
}

/**
 * Redis storage (≥ 6.2, standalone or Sentinel; not Cluster), shared by every instance. Give
 * `url` or an existing ioredis `client` (e.g. from `ConfigService` in `forRootAsync`).
 *
 * Configure the Redis server with `maxmemory-policy noeviction` and persistence (AOF); see
 * docs/storage.md.
 *
 * @example `storage: { type: 'redis', url: process.env.REDIS_URL, keyPrefix: 'mcp-auth:' }`
 * @publicApi
 */
export class RedisStoreOptions {
  @IsIn(['redis']) type!: 'redis';

  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. */
  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  url?: string;

  /**
   * An existing ioredis client; the store opens its own connection with the client's options
   * plus fail-fast settings, and leaves the client untouched.
   */
  @IsOptional() @Allow() client?: Redis;

  /**
   * Prepended to every key.
   * @default 'mcp-auth:'
   */
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{0,64}$/, { message: 'must be at most 64 printable ASCII characters without spaces' })
  keyPrefix?: string;

  /**
   * A command without an answer within this time fails with 503 (security catalog F-13).
   * @default 1000
   */
  @IsOptional() @IsInt() @Min(10) @Max(60_000) commandTimeoutMs?: number;

  /**
   * Timeout of each connection attempt, and the longest time the application waits for Redis
   * at startup (it then starts anyway, answers 503 and connects in the background).
   * @default 5000
   */
  @IsOptional() @IsInt() @Min(100) @Max(120_000) connectTimeoutMs?: number;

  /** Further ioredis options (TLS, Sentinel, username/password, ...). */
  @IsOptional() @IsObject() redisOptions?: RedisOptions;

  /**
   * ioredis auto-pipelining: commands issued in the same tick share one write. Helps single-key
   * commands under heavy concurrency, slows everything at low concurrency and `commit` at any;
   * see bench/storage/README.md.
   * @default false
   */
  @IsOptional() @IsBoolean() autoPipelining?: boolean;
}

/**
 * Your own {@link McpAuthStore} implementation (it should pass `describeStoreContract`).
 * @publicApi
 */
export class CustomStoreOptions {
  @IsIn(['custom']) type!: 'custom';

  /** The store instance. */
  @IsObject() store!: McpAuthStore;
}

/**
 * Where the OAuth state of levels 3 and 4 lives.
 * @default { type: 'memory' }
 * @publicApi
 */
export type McpStorageOptions = MemoryStoreOptions | RedisStoreOptions | CustomStoreOptions;

/**
 * One key for encrypting stored records (upstream tokens).
 * @publicApi
 */
export class EncryptionKeyOptions {
  /** Key id written into every ciphertext; 1–64 characters of `A-Z a-z 0-9 . _ -`. */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' })
  id!: string;

  /**
   * 32 random bytes, base64url-encoded (43 characters), e.g. from
   * `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`.
   */
  @IsString() key!: string;
}

/**
 * Encryption at rest of the records that hold upstream tokens (AES-256-GCM, security catalog
 * S-01). Required in production when the module stores upstream tokens (levels 3 and 4);
 * development without keys uses an ephemeral key and warns.
 * @publicApi
 */
export class RecordEncryptionOptions {
  /**
   * The first key encrypts; every key decrypts. To rotate, put a new key first and keep the
   * old ones until the records they sealed have expired (see docs/storage.md).
   */
  @IsArray() @ArrayNotEmpty() keys!: EncryptionKeyOptions[];
}

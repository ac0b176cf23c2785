import { Redis } from 'ioredis';
import { indexPath, validateSection } from '../core/options/validate-section.js';
import { decodeRecordKey } from './record-cipher.js';
import {
  CustomStoreOptions,
  EncryptionKeyOptions,
  MemoryStoreOptions,
  RecordEncryptionOptions,
  RedisStoreOptions,
  type McpStorageOptions,
} from './storage-options.js';

const SCHEMAS = { memory: MemoryStoreOptions, redis: RedisStoreOptions, custom: CustomStoreOptions } as const;

const STORE_METHODS = [
  'get',
  'set',
  'setIfAbsent',
  'update',
  'consume',
  'delete',
  'increment',
  'commit',
  'close',
] as const;

/**
 * Validates a storage configuration, adding one line per problem (`<path>.<option>: ...`).
 */
export function validateStorageOptions(path: string, options: McpStorageOptions | undefined, problems: string[]): void {
  if (options === undefined) return;
  const type = (options as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in SCHEMAS)) {
    problems.push(`${path}.type: must be one of ${Object.keys(SCHEMAS).join(', ')}`);
    return;
  }
  if (!validateSection(path, SCHEMAS[type as keyof typeof SCHEMAS], options, problems)) return;
  if (type === 'redis') {
    const redis = options as RedisStoreOptions;
    if ((redis.url === undefined) === (redis.client === undefined)) {
      problems.push(`${path}: set exactly one of url or client`);
    }
    if (redis.client !== undefined && !(redis.client instanceof Redis)) {
      problems.push(`${path}.client: must be an ioredis Redis client (Cluster is not supported)`);
    }
  }
  if (type === 'custom') {
    const store = (options as CustomStoreOptions).store as unknown as Record<string, unknown>;
    const missing = STORE_METHODS.filter((method) => typeof store[method] !== 'function');
    if (missing.length > 0) problems.push(`${path}.store: must implement McpAuthStore (missing ${missing.join(', ')})`);
  }
}

/**
 * Validates record-encryption keys: each a base64url 32-byte key with a unique id.
 */
export function validateRecordEncryptionOptions(
  path: string,
  options: RecordEncryptionOptions | undefined,
  problems: string[],
): void {
  if (options === undefined) return;
  if (!validateSection(path, RecordEncryptionOptions, options, problems)) return;
  const seen = new Set<string>();
  options.keys.forEach((entry, i) => {
    const at = indexPath(`${path}.keys`, i);
    if (!validateSection(at, EncryptionKeyOptions, entry, problems)) return;
    if (seen.has(entry.id)) problems.push(`${at}.id: ${entry.id} is used by another key`);
    seen.add(entry.id);
    if (!decodeRecordKey(entry.key)) problems.push(`${at}.key: must be 32 bytes, base64url-encoded (43 characters)`);
  });
}

/**
 * Parses a key list from one environment variable: `id:key` pairs separated by commas, the
 * sealing key first, e.g. `MCP_AUTH_STORAGE_ENCRYPTION_KEYS=k2:<base64url>,k1:<base64url>`.
 * Validate the result with {@link validateRecordEncryptionOptions}.
 * @publicApi
 */
export function parseEncryptionKeyList(text: string): EncryptionKeyOptions[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const colon = item.indexOf(':');
      return colon < 0 ? { id: '', key: item } : { id: item.slice(0, colon), key: item.slice(colon + 1) };
    });
}

import { Logger } from '@nestjs/common';
import type { McpAuthClock } from '../core/clock.js';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import type { McpAuthStore } from './mcp-auth-store.interface.js';
import { MemoryStore } from './memory-store.js';
import { generateRecordKey, RecordCipher } from './record-cipher.js';
import { RedisStore } from './redis-store.js';
import type { McpStorageOptions, RecordEncryptionOptions } from './storage-options.js';
import { validateRecordEncryptionOptions, validateStorageOptions } from './validate-storage-options.js';

const logger = new Logger('McpAuthStorage');

/** Where the options sit in the module options, for error messages. */
export interface StorageContext {
  /** Refuse development conveniences. @default false */
  production?: boolean;
  /** Option path used in error messages. @default 'storage' */
  path?: string;
}

/**
 * Builds the store a configuration describes (validated here, so an invalid one fails at
 * bootstrap). A Redis store is awaited until connected, at most `connectTimeoutMs`; if Redis is
 * down the application still starts, storage operations answer 503 and the connection is
 * retried in the background.
 *
 * @param options `undefined` means `{ type: 'memory' }`.
 * @throws McpAuthConfigurationError naming every invalid option.
 * @publicApi
 */
export async function createStore(
  options: McpStorageOptions | undefined,
  clock: McpAuthClock,
  context: StorageContext = {},
): Promise<McpAuthStore> {
  const path = context.path ?? 'storage';
  const problems: string[] = [];
  validateStorageOptions(path, options, problems);
  if (problems.length > 0) throw new McpAuthConfigurationError(problems);
  const config = options ?? { type: 'memory' };
  switch (config.type) {
    case 'memory':
      if (context.production) {
        logger.warn(
          'In-memory storage in production: OAuth state is lost on restart and not shared between instances. Use Redis when running more than one instance.',
        );
      }
      return new MemoryStore(config, clock);
    case 'redis': {
      const { type: _type, ...settings } = config;
      const store = new RedisStore(settings);
      const timeout = settings.connectTimeoutMs ?? 5000;
      if (!(await store.waitUntilReady(timeout))) {
        logger.error(`Redis is not reachable after ${timeout} ms; starting anyway, storage answers 503 until it is`);
      }
      return store;
    }
    case 'custom':
      return config.store;
  }
}

/**
 * Builds the {@link RecordCipher} for records holding upstream tokens. Without keys, production
 * refuses to start (security catalog F-21) and development uses an ephemeral key, with a
 * warning: records sealed with it are unreadable after a restart.
 *
 * @throws McpAuthConfigurationError naming every invalid option.
 * @publicApi
 */
export function createRecordCipher(
  options: RecordEncryptionOptions | undefined,
  context: StorageContext = {},
): RecordCipher {
  const path = context.path ?? 'storageEncryption';
  const problems: string[] = [];
  validateRecordEncryptionOptions(path, options, problems);
  if (options === undefined && context.production) {
    problems.push(`${path}.keys: encryption keys are required in production (upstream tokens are stored encrypted)`);
  }
  if (problems.length > 0) throw new McpAuthConfigurationError(problems);
  if (options) return new RecordCipher(options.keys);
  logger.warn(
    `No ${path}.keys configured: using an ephemeral encryption key. Stored upstream tokens become unreadable on restart and on other instances. Never do this in production.`,
  );
  return new RecordCipher([{ id: 'ephemeral', key: generateRecordKey() }]);
}

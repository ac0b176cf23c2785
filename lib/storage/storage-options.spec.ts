import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { systemClock } from '../core/clock.js';
import { McpAuthConfigurationError } from '../core/errors/configuration.error.js';
import { createRecordCipher, createStore } from './create-store.js';
import type { McpAuthStore } from './mcp-auth-store.interface.js';
import { MemoryStore } from './memory-store.js';
import { generateRecordKey, RecordCipher } from './record-cipher.js';
import type { McpStorageOptions, RecordEncryptionOptions } from './storage-options.js';
import {
  parseEncryptionKeyList,
  validateRecordEncryptionOptions,
  validateStorageOptions,
} from './validate-storage-options.js';

function problemsOf(options: unknown): string[] {
  const problems: string[] = [];
  validateStorageOptions('storage', options as McpStorageOptions, problems);
  return problems;
}

function keyProblemsOf(options: unknown): string[] {
  const problems: string[] = [];
  validateRecordEncryptionOptions('storageEncryption', options as RecordEncryptionOptions, problems);
  return problems;
}

describe('storage options', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    undefined,
    { type: 'memory' },
    { type: 'memory', maxEntries: 10, sweepIntervalMs: 1000 },
    { type: 'redis', url: 'redis://127.0.0.1:6379/0' },
    { type: 'redis', url: 'rediss://user:pw@redis.example.com:6380', keyPrefix: 'app1:', commandTimeoutMs: 500 },
    { type: 'redis', client: new Redis({ lazyConnect: true }), autoPipelining: false },
  ])('accepts %p', (options) => {
    expect(problemsOf(options)).toEqual([]);
  });

  it.each([
    [{ type: 'sql' }, ['storage.type: must be one of memory, redis, custom']],
    [{ type: 'memory', maxEntries: 0 }, ['storage.maxEntries: must not be less than 1']],
    [{ type: 'memory', sweepIntervalMs: 1500.5 }, ['storage.sweepIntervalMs: must be an integer number']],
    [{ type: 'memory', maxEntrys: 10 }, ['storage.maxEntrys: unknown option']],
    [{ type: 'redis' }, ['storage: set exactly one of url or client']],
    [{ type: 'redis', url: 'http://127.0.0.1:6379' }, ['storage.url: must be a redis:// or rediss:// URL']],
    [
      { type: 'redis', url: 'redis://x', client: new Redis({ lazyConnect: true }) },
      ['storage: set exactly one of url or client'],
    ],
    [
      { type: 'redis', client: { get: () => 1 } },
      ['storage.client: must be an ioredis Redis client (Cluster is not supported)'],
    ],
    [{ type: 'redis', url: 'redis://x', commandTimeoutMs: 5 }, ['storage.commandTimeoutMs: must not be less than 10']],
    [
      { type: 'redis', url: 'redis://x', keyPrefix: 'has space' },
      ['storage.keyPrefix: must be at most 64 printable ASCII characters without spaces'],
    ],
    [
      { type: 'custom', store: { get() {} } },
      [
        'storage.store: must implement McpAuthStore (missing set, setIfAbsent, update, consume, delete, increment, commit, close)',
      ],
    ],
  ])('refuses %p', (options, expected) => {
    expect(problemsOf(options).sort()).toEqual([...expected].sort());
  });

  it('accepts valid encryption keys and refuses bad ones with their paths', () => {
    expect(
      keyProblemsOf({
        keys: [
          { id: 'k2', key: generateRecordKey() },
          { id: 'k1', key: generateRecordKey() },
        ],
      }),
    ).toEqual([]);
    expect(keyProblemsOf({ keys: [] })).toEqual(['storageEncryption.keys: should not be empty']);
    expect(
      keyProblemsOf({
        keys: [
          { id: 'k1', key: generateRecordKey() },
          { id: 'k1', key: 'dGVzdA' },
          { id: 'bad id', key: generateRecordKey() },
          { id: 'k3', key: generateRecordKey(), extra: 1 },
        ],
      }),
    ).toEqual([
      'storageEncryption.keys[1].id: k1 is used by another key',
      'storageEncryption.keys[1].key: must be 32 bytes, base64url-encoded (43 characters)',
      'storageEncryption.keys[2].id: must be 1-64 characters of A-Z a-z 0-9 . _ -',
      'storageEncryption.keys[3].extra: unknown option',
    ]);
  });

  it('parses an encryption key list from one environment variable, sealing key first', () => {
    const [a, b] = [generateRecordKey(), generateRecordKey()];
    expect(parseEncryptionKeyList(` k2:${a} , k1:${b},`)).toEqual([
      { id: 'k2', key: a },
      { id: 'k1', key: b },
    ]);
    expect(keyProblemsOf({ keys: parseEncryptionKeyList(a) })).toEqual([
      'storageEncryption.keys[0].id: must be 1-64 characters of A-Z a-z 0-9 . _ -',
    ]);
  });
});

describe('createStore', () => {
  afterEach(() => jest.restoreAllMocks());

  it('builds an in-memory store by default, and warns about it in production', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = await createStore(undefined, systemClock);
    expect(store).toBeInstanceOf(MemoryStore);
    expect(warn).not.toHaveBeenCalled();
    await store.close();
    const production = await createStore({ type: 'memory', maxEntries: 5 }, systemClock, { production: true });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('not shared between instances'));
    await production.close();
  });

  it('returns a custom store as given', async () => {
    const custom = new MemoryStore();
    const store: McpAuthStore = await createStore({ type: 'custom', store: custom }, systemClock);
    expect(store).toBe(custom);
    await custom.close();
  });

  it('fails at bootstrap with every problem and its option path', async () => {
    const error = await createStore(
      { type: 'redis', url: 'nope', commandTimeoutMs: 1 } as McpStorageOptions,
      systemClock,
      {
        path: 'auth.storage',
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpAuthConfigurationError);
    expect([...(error as McpAuthConfigurationError).problems].sort()).toEqual([
      'auth.storage.commandTimeoutMs: must not be less than 10',
      'auth.storage.url: must be a redis:// or rediss:// URL',
    ]);
  });
});

describe('createRecordCipher', () => {
  afterEach(() => jest.restoreAllMocks());

  it('builds a cipher from configured keys', () => {
    const cipher = createRecordCipher({ keys: [{ id: 'k1', key: generateRecordKey() }] }, { production: true });
    expect(cipher).toBeInstanceOf(RecordCipher);
    expect(cipher.sealingKeyId).toBe('k1');
  });

  it('refuses to start in production without keys (F-21)', () => {
    expect(() => createRecordCipher(undefined, { production: true })).toThrow(
      'storageEncryption.keys: encryption keys are required in production',
    );
  });

  it('uses an ephemeral key in development, loudly', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(createRecordCipher(undefined).sealingKeyId).toBe('ephemeral');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('ephemeral encryption key'));
  });

  it('refuses invalid keys', () => {
    expect(() => createRecordCipher({ keys: [{ id: 'k1', key: 'short' }] })).toThrow(McpAuthConfigurationError);
  });
});

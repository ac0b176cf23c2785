export {
  MCP_AUTH_STORE,
  InjectMcpAuthStore,
  type McpAuthStore,
  type StoreWrite,
  type StoreCondition,
  type StoreTransaction,
  type StoreCommitResult,
  type StoreCounter,
  type RecordsOf,
} from './mcp-auth-store.interface.js';
export { StoreNamespace, MAX_STORE_KEY_LENGTH, type StoreKey } from './store-key.js';
export { secretKey, generateSecret } from './secret-key.js';
export {
  StorageUnavailableError,
  RecordDecryptionError,
  SingleFlightError,
  type RecordDecryptionReason,
} from './storage.errors.js';
export { MemoryStore, type MemoryStoreSettings } from './memory-store.js';
export { RedisStore, type RedisStoreSettings } from './redis-store.js';
export { RecordCipher, generateRecordKey, type Sealed, type RecordKey } from './record-cipher.js';
export { tryAcquireLock, type LockLease } from './distributed-lock.js';
export { SingleFlight, type SingleFlightSettings } from './single-flight.js';
export {
  MemoryStoreOptions,
  RedisStoreOptions,
  CustomStoreOptions,
  EncryptionKeyOptions,
  RecordEncryptionOptions,
  type McpStorageOptions,
} from './storage-options.js';
export {
  validateStorageOptions,
  validateRecordEncryptionOptions,
  parseEncryptionKeyList,
} from './validate-storage-options.js';
export { createStore, createRecordCipher, type StorageContext } from './create-store.js';

import type { Provider } from '@nestjs/common';
import { MCP_AUTH_CLOCK, type McpAuthClock } from '../core/clock.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { createRecordCipher, createStore } from './create-store.js';
import { MCP_AUTH_STORE, type McpAuthStore } from './mcp-auth-store.interface.js';
import { RecordCipher } from './record-cipher.js';
import { SingleFlight } from './single-flight.js';

/**
 * The module's storage providers. Each is built only when configured (or, later, when a level
 * that keeps OAuth state is), so a token-verifying server opens no Redis connection and needs
 * no encryption keys. `forRootAsync` factories can pass a Redis URL or client from
 * `ConfigService`; the store is closed with the application.
 */
export const storageProviders: Provider[] = [
  {
    provide: MCP_AUTH_STORE,
    inject: [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_CLOCK],
    // Levels 3 and 4 keep OAuth state: they get the (default in-memory) store even unconfigured.
    useFactory: (options: ResolvedMcpAuthOptions, clock: McpAuthClock): Promise<McpAuthStore> | undefined =>
      options.storage || options.proxy || options.server
        ? createStore(options.storage, clock, { production: options.production })
        : undefined,
  },
  {
    provide: RecordCipher,
    inject: [MCP_AUTH_RESOLVED_OPTIONS],
    // The proxy stores upstream tokens encrypted: it gets a cipher (ephemeral in development).
    useFactory: (options: ResolvedMcpAuthOptions): RecordCipher | undefined =>
      options.storageEncryption || options.proxy
        ? createRecordCipher(options.storageEncryption, { production: options.production })
        : undefined,
  },
  {
    provide: SingleFlight,
    inject: [MCP_AUTH_STORE],
    useFactory: (store: McpAuthStore | undefined): SingleFlight | undefined =>
      store ? new SingleFlight(store) : undefined,
  },
];

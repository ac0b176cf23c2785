import type { DynamicModule, INestApplication, LoggerService, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decodeJwt } from 'jose';
import {
  MCP_AUTH_CLOCK,
  MCP_AUTH_STORE,
  McpAuthModule,
  MemoryStore,
  type McpAuthModuleExtras,
  type McpAuthModuleOptions,
  type McpAuthStore,
} from 'nestjs-mcp-auth';
import { GrantService } from '../../../lib/oauth/grants/grant.service.js';
import type { GrantRecord } from '../../../lib/oauth/grants/grant-records.js';
import { UpstreamTokenVault } from '../../../lib/proxy/upstream-token.accessor.js';
import type { UpstreamTokens } from '../../../lib/proxy/upstream/upstream-tokens.interface.js';
import { ProxyUpstreamTools, UPSTREAM_USER_API } from '../../fixtures/proxy-upstream.tools.js';
import { MutableClock } from '../../fixtures/verifier-app.js';
import { freePort } from '../../helpers/free-port.js';

/** A running level-3 application with handles for the assertions of the proxy suites. */
export interface ProxyApp {
  app: INestApplication;
  port: number;
  origin: string;
  mcpUrl: string;
  /** The module's clock (moved by tests instead of waiting). */
  clock: MutableClock;
  /** The store the module uses. */
  store: McpAuthStore;
  /** The in-memory store, when the app uses one (its records can be scanned). */
  memory: MemoryStore | undefined;
  /** Reads a grant and opens its sealed upstream tokens (test-side inspection only). */
  grantOf(accessToken: string): Promise<{ grant: GrantRecord | undefined; upstream: UpstreamTokens | undefined }>;
  close(): Promise<void>;
}

export interface ProxyAppOptions {
  port?: number;
  /** The store: a fresh `MemoryStore` on the app's clock by default. */
  store?: McpAuthStore;
  /** Storage options for the module instead (e.g. `{ type: 'redis', url }`); `memory` is then undefined. */
  storage?: McpAuthModuleOptions['storage'];
  /** Share a clock between instances. */
  clock?: MutableClock;
  /** URL of the upstream user API for the {@link ProxyUpstreamTools}. */
  userApiUrl?: string;
  providers?: Provider[];
  imports?: DynamicModule['imports'];
  extras?: McpAuthModuleExtras;
  /** The application's logger (none by default). */
  logger?: LoggerService;
}

/**
 * Starts a Nest application with `McpAuthModule` at level 3 on 127.0.0.1, with a hand-moved
 * clock and a store the test can inspect. `options` receives the origin to build URLs from.
 */
export async function startProxyApp(
  options: (origin: string) => McpAuthModuleOptions,
  settings: ProxyAppOptions = {},
): Promise<ProxyApp> {
  const port = settings.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const clock = settings.clock ?? new MutableClock(Date.now());
  const memory = settings.store || settings.storage ? undefined : new MemoryStore({}, clock);
  const store = settings.store ?? memory;
  const configured = options(origin);
  const moduleRef = await Test.createTestingModule({
    imports: [
      McpAuthModule.forRoot({
        ...configured,
        storage: settings.storage ?? { type: 'custom', store: store as McpAuthStore },
        ...settings.extras,
      }),
      ...(settings.imports ?? []),
    ],
    providers: [
      ProxyUpstreamTools,
      { provide: UPSTREAM_USER_API, useValue: { url: settings.userApiUrl ?? `${origin}/nowhere` } },
      ...(settings.providers ?? []),
    ],
  })
    .overrideProvider(MCP_AUTH_CLOCK)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication({ logger: settings.logger ?? false });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    port,
    origin,
    mcpUrl: `${origin}/mcp`,
    clock,
    store: app.get(MCP_AUTH_STORE),
    memory,
    async grantOf(accessToken) {
      const gid = decodeJwt(accessToken).gid as string;
      const grant = await app.get(GrantService).grant(gid);
      const upstream = grant ? await app.get(UpstreamTokenVault).open(grant) : undefined;
      return { grant, upstream };
    },
    close: () => app.close(),
  };
}

/** Every record of an in-memory store as `[key, stored JSON]` (test-side scan, as `SCAN` + `GET`). */
export function memoryRecords(store: MemoryStore): Array<[string, string]> {
  const entries = (store as unknown as { entries: Map<string, { json: string }> }).entries;
  return [...entries].map(([key, entry]) => [key, entry.json]);
}

/** How many live-or-not-yet-swept records each namespace holds (`oauth-tx`, `oauth-code`, …). */
export function recordCounts(store: MemoryStore): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key] of memoryRecords(store)) {
    const namespace = key.slice(0, key.indexOf(':'));
    counts[namespace] = (counts[namespace] ?? 0) + 1;
  }
  return counts;
}

/** A logger that keeps every line, for assertions on what the application logs. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]) {
    this.keep('log', parts);
  }
  error(...parts: unknown[]) {
    this.keep('error', parts);
  }
  warn(...parts: unknown[]) {
    this.keep('warn', parts);
  }
  debug(...parts: unknown[]) {
    this.keep('debug', parts);
  }
  verbose(...parts: unknown[]) {
    this.keep('verbose', parts);
  }
  private keep(level: string, parts: unknown[]) {
    this.lines.push(
      `${level} ${parts.map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part))).join(' ')}`,
    );
  }
}

import { Module, type FactoryProvider, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { exportJWK, generateKeyPair } from 'jose';
import {
  generateRecordKey,
  MCP_AUTH_CLOCK,
  McpAuthModule,
  MemoryStore,
  RedisStore,
  type AuthorizationServerOptions,
  type EncryptionKeyOptions,
  type McpAuthModuleOptions,
  type OidcUpstreamOptions,
  type SigningKeyOptions,
} from 'nestjs-mcp-auth';
import { authorizationServerProviders } from '../../../lib/oauth/authorization-server.providers.js';
import { ClientMetadataDocumentFetcher, type CimdLookup } from '../../../lib/oauth/clients/cimd/cimd-fetcher.js';
import { ClientRegistry, type ClientRegistrySettings } from '../../../lib/oauth/clients/client-registry.service.js';
import { startOidcUpstream, type OidcUpstream } from '../../fakes/oidc-upstream.js';
import { NotesTools } from '../../fixtures/notes.tools.js';
import { freePort } from '../../helpers/free-port.js';
import { USER, type AsLevel } from './levels.js';
import { RecordingStore } from './recording-store.js';
import { TestClock } from './test-clock.js';

/**
 * What every instance of one deployment shares (DESIGN §4 "Multi-instance deployments share
 * Redis and keys"): the token signing key and the key that encrypts upstream tokens at rest.
 */
export interface DeploymentSecrets {
  readonly signingKeys: SigningKeyOptions[];
  readonly encryptionKeys: EncryptionKeyOptions[];
}

/** A fresh pair of deployment secrets (ES256 signing key, AES-256-GCM record key). */
export async function deploymentSecrets(kid = 'as-test-1'): Promise<DeploymentSecrets> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    signingKeys: [{ privateKey: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' } }],
    encryptionKeys: [{ id: 'rk1', key: generateRecordKey() }],
  };
}

/** Where the instance keeps its OAuth state. */
export type AsStorage = { type: 'memory' } | { type: 'redis'; url: string; keyPrefix?: string };

export interface StartAsAppOptions {
  readonly level: AsLevel;
  /** @default memory */
  readonly storage?: AsStorage;
  /** Shared with other instances of the same deployment. @default fresh ones */
  readonly secrets?: DeploymentSecrets;
  /**
   * Public origin of the deployment (issuer, resource and endpoint URLs). Another instance of
   * a deployment passes the first one's, as it would run behind the same load balancer.
   * @default this instance's own origin
   */
  readonly publicOrigin?: string;
  /** Level 3: the upstream of the deployment (another instance reuses the first one's). @default a new one */
  readonly upstream?: OidcUpstream;
  /** More users besides alice (level 3: at the upstream; level 4: configured), subject = username. */
  readonly extraUsers?: ReadonlyArray<{ readonly username: string; readonly password: string }>;
  /** Level 3: overrides of the `oidc` preset. */
  readonly upstreamOptions?: Partial<OidcUpstreamOptions>;
  /** This instance's clock. @default a TestClock at wall time */
  readonly clock?: TestClock;
  /**
   * Overrides of the level's authorization-server options. Unless `clientRegistration` is
   * given, the registration rate limit is raised to 1000 a minute, because suites register
   * many clients from 127.0.0.1; the P-12 tests pass `clientRegistration: {}` for the defaults.
   */
  readonly as?: Partial<AuthorizationServerOptions>;
  /** Overrides of the module options. */
  readonly module?: Partial<McpAuthModuleOptions>;
  /** Listen on this port. @default a free one */
  readonly port?: number;
  /** Receives the application's log lines (secret-leak checks, TR-04). */
  readonly logger?: LoggerService;
  /**
   * Client ID metadata documents (when enabled in `as`): the DNS resolver and the CA the
   * document fetcher uses, so that test host names resolve to stand-in public addresses served
   * by a local HTTPS server. Only the fetcher's transport changes; the registry and the
   * endpoints are the module's own.
   */
  readonly cimdTransport?: { readonly lookup: CimdLookup; readonly ca: string };
}

/** One running instance of a level-3 or level-4 deployment. */
export interface AsApp {
  readonly level: AsLevel;
  readonly app: INestApplication;
  /** Where this instance listens. */
  readonly origin: string;
  readonly port: number;
  /** The deployment's public origin (= issuer), and its MCP URL (= the RFC 8707 resource). */
  readonly publicOrigin: string;
  readonly issuer: string;
  readonly mcpUrl: string;
  readonly secrets: DeploymentSecrets;
  readonly clock: TestClock;
  /** The store the module uses (a recording wrapper of the real one). */
  readonly store: RecordingStore;
  readonly upstream: OidcUpstream | undefined;
  /** This instance's URL for a path (a request sent to this instance). */
  url(path: string): string;
  /** Maps a public URL (issuer origin) to this instance. */
  local(url: string | URL): URL;
  /** Stops the instance (and the upstream it started). */
  close(): Promise<void>;
}

/**
 * Starts one instance of an authorization-server deployment on 127.0.0.1:
 * - level 3: the OAuth proxy with the `oidc` preset in front of panva's oidc-provider
 *   (test/fakes/oidc-upstream.ts: no DCR, one static confidential client whose only redirect
 *   URI is the proxy's callback, user alice/wonderland);
 * - level 4: the full authorization server with one configured user alice/wonderland.
 * Both serve the notes test tools at `/mcp`, advertise `notes:read`, and store their state in
 * a {@link RecordingStore} around a MemoryStore or a RedisStore.
 */
export async function startAsApp(options: StartAsAppOptions): Promise<AsApp> {
  const port = options.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const publicOrigin = options.publicOrigin ?? origin;
  const clock = options.clock ?? new TestClock();
  const secrets = options.secrets ?? (await deploymentSecrets());
  const callback = `${publicOrigin}${options.as?.paths?.callback ?? '/oauth/callback'}`;
  const ownsUpstream = options.level === 'proxy' && options.upstream === undefined;
  const upstream =
    options.level === 'proxy'
      ? (options.upstream ??
        (await startOidcUpstream({
          redirectUri: callback,
          users: Object.fromEntries(
            [USER, ...(options.extraUsers ?? [])].map((user) => [user.username, user.password]),
          ),
        })))
      : undefined;

  const storage = options.storage ?? { type: 'memory' };
  let inner: MemoryStore | RedisStore;
  if (storage.type === 'memory') {
    inner = new MemoryStore({}, clock);
  } else {
    inner = new RedisStore({ url: storage.url, keyPrefix: storage.keyPrefix ?? 'mcp-auth:' });
    await inner.waitUntilReady(5000);
  }
  const store = new RecordingStore(inner);

  const asOptions: AuthorizationServerOptions = {
    signingKeys: secrets.signingKeys,
    clientRegistration: { rateLimit: { max: 1000, windowSeconds: 60 } },
    ...options.as,
  };
  const level =
    options.level === 'proxy'
      ? {
          proxy: {
            ...asOptions,
            upstream: {
              provider: 'oidc',
              issuer: upstream!.issuer,
              clientId: upstream!.clientId,
              clientSecret: upstream!.clientSecret,
              additionalScopes: ['openid', 'offline_access'],
              // oidc-provider issues refresh tokens for offline_access only with prompt=consent.
              extraAuthorizeParams: { prompt: 'consent' },
              forwardResource: false,
              timeoutMs: 3000,
              ...options.upstreamOptions,
            } as OidcUpstreamOptions,
          },
        }
      : {
          server: {
            ...asOptions,
            users: [
              { username: USER.username, password: USER.password, subject: USER.subject },
              ...(options.extraUsers ?? []).map((user) => ({ ...user, subject: user.username })),
            ],
          },
        };

  const moduleOptions: McpAuthModuleOptions = {
    resourceUrl: `${publicOrigin}/mcp`,
    resourceName: 'AS e2e notes',
    scopesSupported: ['notes:read'],
    storage: { type: 'custom', store },
    storageEncryption: { keys: secrets.encryptionKeys },
    ...level,
    ...options.module,
  };

  @Module({ imports: [McpAuthModule.forRoot(moduleOptions)], providers: [NotesTools] })
  class AsTestAppModule {}

  let app: INestApplication | undefined;
  try {
    const builder = Test.createTestingModule({ imports: [AsTestAppModule] })
      .overrideProvider(MCP_AUTH_CLOCK)
      .useValue(clock);
    if (options.cimdTransport) {
      const transport = options.cimdTransport;
      const original = authorizationServerProviders.find(
        (provider) => typeof provider === 'object' && 'provide' in provider && provider.provide === ClientRegistry,
      ) as FactoryProvider<ClientRegistry | undefined>;
      builder.overrideProvider(ClientRegistry).useFactory({
        inject: original.inject,
        factory: (...deps: unknown[]) => {
          const registry = original.useFactory(...deps) as ClientRegistry | undefined;
          if (!registry?.metadataDocumentsEnabled) return registry;
          const settings = (registry as unknown as { settings: ClientRegistrySettings }).settings;
          return new ClientRegistry({
            ...settings,
            metadataDocuments: new ClientMetadataDocumentFetcher({
              options: asOptions.clientIdMetadataDocuments,
              policy: registry.policy,
              clock: settings.clock,
              lookup: transport.lookup,
              tls: { ca: transport.ca },
            }),
          });
        },
      });
    }
    const testing = await builder.compile();
    app = testing.createNestApplication({ logger: options.logger ?? false, abortOnError: false });
    await app.listen(port, '127.0.0.1');
  } catch (error) {
    await app?.close().catch(() => undefined);
    await inner.close();
    if (ownsUpstream) await upstream?.close();
    throw error;
  }
  const running = app;
  const local = (url: string | URL) => {
    const parsed = new URL(url);
    return parsed.origin === publicOrigin ? new URL(`${origin}${parsed.pathname}${parsed.search}`) : parsed;
  };
  return {
    level: options.level,
    app: running,
    origin,
    port,
    publicOrigin,
    issuer: publicOrigin,
    mcpUrl: `${publicOrigin}/mcp`,
    secrets,
    clock,
    store,
    upstream,
    url: (path) => `${origin}${path}`,
    local,
    async close() {
      await running.close();
      if (ownsUpstream) await upstream?.close();
    },
  };
}

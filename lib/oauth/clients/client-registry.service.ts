import { systemClock, type McpAuthClock } from '../../core/clock.js';
import type { McpAuthStore } from '../../storage/mcp-auth-store.interface.js';
import { StoreNamespace } from '../../storage/store-key.js';
import { accessDenied, invalidClient, tooManyRequests } from '../oauth.errors.js';
import { isUrlShapedClientId } from './cimd/client-id-url.util.js';
import type { ClientMetadataDocumentFetcher } from './cimd/cimd-fetcher.js';
import type { ClientAssertionVerifier } from './client-assertion-verifier.interface.js';
import { authenticateClient } from './client-authentication.js';
import type { ClientCredentials } from './client-credentials.util.js';
import type { ClientMetadata, ClientRegistrationPolicy } from './client-registration.policy.js';
import type { ClientRegistrationOptions } from './client-registration.options.js';
import { GENERATED_CLIENT_ID, generateClientId, generateClientSecret, hashClientSecret } from './client-secret.util.js';
import type { OAuthClient } from './oauth-client.js';
import { RegistrationRateLimiter } from './registration-rate-limiter.js';
import {
  resolveClientRegistrationOptions,
  type ResolvedClientRegistrationOptions,
} from './resolve-client-registration-options.js';
import type { StaticClientOptions } from './static-client.options.js';
import { buildStaticClients } from './static-clients.js';

/** A dynamically registered client as stored, with the time its TTL was last restarted. */
interface StoredClient {
  readonly client: OAuthClient;
  /** Epoch milliseconds of the last write (registration or touch). */
  readonly touchedAt: number;
}

const CLIENTS = new StoreNamespace<StoredClient>('oauth-client');

/**
 * Settings of {@link ClientRegistry}.
 * @publicApi
 */
export interface ClientRegistrySettings {
  /** Where dynamic registrations (and the rate-limit counters) live. */
  readonly store: McpAuthStore;
  /** Time source. @default the system clock */
  readonly clock?: McpAuthClock;
  /** Dynamic registration settings (validated), or already resolved ones. */
  readonly registration?: ClientRegistrationOptions | ResolvedClientRegistrationOptions;
  /** The server's scopes (registered `scope` values are filtered to them). Ignored with resolved options. */
  readonly scopesSupported?: readonly string[];
  /** Pre-registered clients (validated with `validateStaticClientOptions`). */
  readonly staticClients?: readonly StaticClientOptions[];
  /** The CIMD fetcher; when absent, URL-shaped client ids are unknown clients. */
  readonly metadataDocuments?: ClientMetadataDocumentFetcher;
  /** `private_key_jwt` support (level 4); without it such clients cannot authenticate. */
  readonly assertionVerifier?: ClientAssertionVerifier;
}

/**
 * Result of {@link ClientRegistry.register}.
 * @publicApi
 */
export interface ClientRegistrationResult {
  /** The stored client. */
  readonly client: OAuthClient;
  /** The client secret for confidential clients: returned this once, only its hash is stored. */
  readonly clientSecret?: string;
}

/**
 * Identifies the clients of the authorization server (levels 3 and 4), in this order:
 * pre-registered clients from configuration, dynamically registered clients (RFC 7591) kept in
 * the {@link McpAuthStore}, and — when a fetcher is configured — client ID metadata documents
 * for URL-shaped client ids. Also registers clients, authenticates them, and keeps unused
 * dynamic registrations from living forever (policy P-12, security catalog D-16).
 *
 * A plain class: the module builds it in a factory provider.
 * @publicApi
 */
export class ClientRegistry {
  /** Resolved registration settings (enabled, rate limit, TTLs, policy). */
  readonly registration: ResolvedClientRegistrationOptions;
  private readonly store: McpAuthStore;
  private readonly clock: McpAuthClock;
  private readonly staticClients: ReadonlyMap<string, OAuthClient>;
  private readonly rateLimiter: RegistrationRateLimiter | undefined;
  private readonly touchIntervalMs: number;

  constructor(private readonly settings: ClientRegistrySettings) {
    this.store = settings.store;
    this.clock = settings.clock ?? systemClock;
    const registration = settings.registration;
    this.registration =
      registration !== undefined && 'policy' in registration
        ? registration
        : resolveClientRegistrationOptions(registration, settings.scopesSupported);
    this.staticClients = buildStaticClients(settings.staticClients);
    const limit = this.registration.rateLimit;
    this.rateLimiter =
      limit === false ? undefined : new RegistrationRateLimiter(this.store, limit.max, limit.windowSeconds);
    this.touchIntervalMs = Math.min(this.registration.unusedClientTtlMs / 10, 86_400_000);
  }

  /** What registrations may contain: pass it to {@link validateClientRegistration}. */
  get policy(): ClientRegistrationPolicy {
    return this.registration.policy;
  }

  /** Whether `POST /register` is offered (advertise `registration_endpoint` only then, D-18). */
  get registrationEnabled(): boolean {
    return this.registration.enabled;
  }

  /** Whether URL-shaped client ids are resolved (advertise `client_id_metadata_document_supported`). */
  get metadataDocumentsEnabled(): boolean {
    return this.settings.metadataDocuments !== undefined;
  }

  /**
   * Admission control of `POST /register`, to call before reading the body: registration must be
   * enabled, and `requester` (e.g. the client IP) within the rate limit.
   * @throws OAuthEndpointError 403 `access_denied` when registration is disabled (or answer 404
   *   from the controller), 429 `too_many_requests` with `retryAfterSeconds` over the limit.
   */
  async admitRegistration(requester: string): Promise<void> {
    if (!this.registration.enabled) throw accessDenied('Dynamic client registration is disabled');
    if (this.rateLimiter === undefined) return;
    const decision = await this.rateLimiter.hit(requester);
    if (!decision.allowed) {
      throw tooManyRequests('Too many client registrations: retry later', decision.retryAfterSeconds);
    }
  }

  /**
   * Registers a client: a new random `client_id` (128 bits) and, for `client_secret_basic` /
   * `client_secret_post`, a `client_secret` (256 bits) with `client_secret_expires_at` (0 or
   * now + `clientSecretTtlDays`). The record (secret hash only) is stored for
   * `unusedClientTtlDays`, restarted by {@link touch}.
   *
   * @param metadata the output of {@link validateClientRegistration} (with {@link policy}).
   * @throws OAuthEndpointError 403 when registration is disabled; StorageUnavailableError (503).
   */
  async register(metadata: ClientMetadata): Promise<ClientRegistrationResult> {
    if (!this.registration.enabled) throw accessDenied('Dynamic client registration is disabled');
    const now = this.clock.now();
    const nowSeconds = Math.floor(now / 1000);
    const confidential =
      metadata.tokenEndpointAuthMethod === 'client_secret_basic' ||
      metadata.tokenEndpointAuthMethod === 'client_secret_post';
    const clientSecret = confidential ? generateClientSecret() : undefined;
    const ttlSeconds = this.registration.clientSecretTtlSeconds;
    for (;;) {
      const client: OAuthClient = {
        ...metadata,
        clientId: generateClientId(),
        source: 'dynamic',
        clientIdIssuedAt: nowSeconds,
        ...(clientSecret !== undefined && {
          clientSecretHash: hashClientSecret(clientSecret),
          clientSecretExpiresAt: ttlSeconds === 0 ? 0 : nowSeconds + ttlSeconds,
        }),
      };
      const key = CLIENTS.key(client.clientId);
      // A collision of 128-bit ids is practically impossible; setIfAbsent makes it harmless.
      if (await this.store.setIfAbsent(key, { client, touchedAt: now }, this.registration.unusedClientTtlMs)) {
        return clientSecret === undefined ? { client } : { client, clientSecret };
      }
    }
  }

  /**
   * The client with this id, or `undefined` when unknown (answer `invalid_client`; at the token
   * endpoint 401, so MCP clients register again). Order: static clients, dynamic clients, then
   * client ID metadata documents for URL-shaped ids (only when a fetcher is configured: otherwise
   * they are unknown, D-22). Values that are not strings, are empty, or cannot be a dynamic id
   * never reach the store.
   *
   * @throws OAuthEndpointError `invalid_client` (401) when a client ID metadata document is
   *   refused or cannot be fetched (the description says why); StorageUnavailableError (503).
   */
  async find(clientId: unknown): Promise<OAuthClient | undefined> {
    if (typeof clientId !== 'string' || clientId === '') return undefined;
    const configured = this.staticClients.get(clientId);
    if (configured !== undefined) return configured;
    if (isUrlShapedClientId(clientId)) return this.settings.metadataDocuments?.fetch(clientId);
    if (!GENERATED_CLIENT_ID.test(clientId)) return undefined;
    return (await this.store.get(CLIENTS.key(clientId)))?.client;
  }

  /**
   * Like {@link find}, but an unknown client is an error.
   * @throws OAuthEndpointError `invalid_client` (401).
   */
  async require(clientId: unknown): Promise<OAuthClient> {
    const client = await this.find(clientId);
    if (client === undefined) throw invalidClient('Unknown client: register again');
    return client;
  }

  /**
   * Records a use of a dynamic client (call it after a successful authorization request and
   * token request): its unused-registration TTL restarts, at most once per
   * min(TTL / 10, 1 day) to spare the store. Never recreates a client deleted meanwhile. No-op
   * for static and metadata-document clients.
   */
  async touch(client: OAuthClient): Promise<void> {
    if (client.source !== 'dynamic') return;
    const key = CLIENTS.key(client.clientId);
    const stored = await this.store.get(key);
    const now = this.clock.now();
    if (stored === undefined || now - stored.touchedAt < this.touchIntervalMs) return;
    await this.store.commit({
      check: [{ key, equals: stored }],
      set: [{ key, value: { client: stored.client, touchedAt: now }, ttlMs: this.registration.unusedClientTtlMs }],
    });
  }

  /**
   * Deletes a dynamic registration (e.g. an administrator revoking a client).
   * @returns whether it existed.
   */
  async delete(clientId: string): Promise<boolean> {
    if (!GENERATED_CLIENT_ID.test(clientId)) return false;
    return this.store.delete(CLIENTS.key(clientId));
  }

  /**
   * Authenticates `client` with the credentials of a request (see {@link authenticateClient}).
   * @throws OAuthEndpointError `invalid_client` (401).
   */
  async authenticate(client: OAuthClient, credentials: ClientCredentials): Promise<void> {
    const nowSeconds = Math.floor(this.clock.now() / 1000);
    await authenticateClient(client, credentials, nowSeconds, this.settings.assertionVerifier);
  }

  /**
   * Finds the client the credentials name and authenticates it: the one call of the token,
   * revocation and introspection endpoints.
   * @throws OAuthEndpointError `invalid_client` (401) for an unknown client or failed authentication.
   */
  async authenticateCredentials(credentials: ClientCredentials): Promise<OAuthClient> {
    const client = await this.require(credentials.clientId);
    await this.authenticate(client, credentials);
    return client;
  }
}

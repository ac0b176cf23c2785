import type { Provider } from '@nestjs/common';
import { UpstreamTokenVault } from '../proxy/upstream-token.accessor.js';
import { MCP_AUTH_CLOCK, type McpAuthClock } from '../core/clock.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { AccessTokenSigner } from '../keys/access-token-signer.js';
import { SigningKeySet } from '../keys/signing-key-set.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { ClientCredentialsGrantFactory } from '../server/server.providers.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { ToolRegistry } from '../transport/tool-registry.service.js';
import type { AuthorizationServerSettings } from './authorization-server.settings.js';
import { authorizationServerLevel, authorizationServerSettings } from './authorization-server.settings-factory.js';
import { MCP_AUTH_AS_SETTINGS } from './authorization-server.tokens.js';
import { ClientMetadataDocumentFetcher } from './clients/cimd/cimd-fetcher.js';
import { JwtClientAssertionVerifier } from './clients/client-assertion.verifier.js';
import { ClientRegistry } from './clients/client-registry.service.js';
import { resolveClientRegistrationOptions } from './clients/resolve-client-registration-options.js';
import { MCP_AUTH_CLIENTS } from './client-directory.js';
import { MCP_AUTH_CLIENT_CREDENTIALS } from './endpoints/token.endpoint.js';
import { GrantService } from './grants/grant.service.js';
import { defaultPages, MCP_AUTH_PAGES } from './pages/pages.js';
import { RegistryClientDirectory } from './registry-client-directory.js';
import { OwnTokenVerifier } from './tokens/own-token.verifier.js';
import { TokenIssuer } from './tokens/token-issuer.js';
import { TransactionService } from './transactions/transaction.service.js';
import { ConsentMemory } from './transactions/consent-memory.js';
import { RegistrationRateLimiter } from './clients/registration-rate-limiter.js';
import { AUTHORIZATION_RATE_LIMITER } from './endpoints/authorize.endpoint.js';
import { ConnectedAppsService } from './grants/connected-apps.service.js';
import type { ClientDirectory } from './client-directory.js';

const OPTIONS = MCP_AUTH_RESOLVED_OPTIONS;

/** Builds a provider value only when a level with an authorization server (3 or 4) is configured. */
const whenAs =
  <T>(build: (settings: AuthorizationServerSettings, ...deps: never[]) => T) =>
  (settings: AuthorizationServerSettings | undefined, ...deps: never[]): T | undefined =>
    settings ? build(settings, ...deps) : undefined;

/**
 * Providers of the authorization-server facade shared by levels 3 and 4. Every one resolves to
 * `undefined` unless `proxy` or `server` is configured, so a token-verifying server builds
 * none of them (no keys, no store, no warnings).
 */
export const authorizationServerProviders: Provider[] = [
  {
    provide: ClientRegistry,
    inject: [
      OPTIONS,
      { token: MCP_AUTH_STORE, optional: true },
      MCP_AUTH_CLOCK,
      { token: ToolRegistry, optional: true },
    ],
    useFactory: (
      options: ResolvedMcpAuthOptions,
      store: McpAuthStore | undefined,
      clock: McpAuthClock,
      tools: ToolRegistry | undefined,
    ) => {
      const level = authorizationServerLevel(options);
      if (!level || !store) return undefined;
      // Registered `scope` values are filtered to the scopes the server grants (D-14): the
      // configured ones, else the advertised list, read once the tools are discovered.
      let known: readonly string[] | undefined;
      const scopes =
        level.options.scopes ??
        (() =>
          (known ??= authorizationServerSettings(
            options,
            () => (tools?.list() ?? []).flatMap((t) => t.requiredScopes),
            {
              dynamicRegistration: false,
              clientIdMetadataDocuments: false,
            },
          )!.scopesSupported));
      const registration = resolveClientRegistrationOptions(level.options.clientRegistration, scopes);
      const cimd = level.options.clientIdMetadataDocuments;
      // private_key_jwt assertions are addressed to this server's issuer or token endpoint URL.
      const endpoints = authorizationServerSettings(options, () => [], {
        dynamicRegistration: false,
        clientIdMetadataDocuments: false,
      })!;
      return new ClientRegistry({
        store,
        clock,
        registration,
        scopesSupported: level.options.scopes,
        staticClients: level.options.clients,
        metadataDocuments:
          cimd?.enabled === true
            ? new ClientMetadataDocumentFetcher({ options: cimd, policy: registration.policy, clock })
            : undefined,
        assertionVerifier: new JwtClientAssertionVerifier({
          issuer: endpoints.issuer,
          tokenEndpoint: endpoints.urls.token,
          store,
          clock,
        }),
      });
    },
  },
  {
    provide: MCP_AUTH_AS_SETTINGS,
    inject: [OPTIONS, { token: ClientRegistry, optional: true }, { token: ToolRegistry, optional: true }],
    useFactory: (
      options: ResolvedMcpAuthOptions,
      registry: ClientRegistry | undefined,
      tools: ToolRegistry | undefined,
    ) =>
      authorizationServerSettings(options, () => (tools?.list() ?? []).flatMap((tool) => tool.requiredScopes), {
        dynamicRegistration: registry?.registrationEnabled ?? false,
        clientIdMetadataDocuments: registry?.metadataDocumentsEnabled ?? false,
      }),
  },
  {
    provide: SigningKeySet,
    inject: [MCP_AUTH_AS_SETTINGS, OPTIONS, MCP_AUTH_CLOCK],
    useFactory: (
      settings: AuthorizationServerSettings | undefined,
      options: ResolvedMcpAuthOptions,
      clock: McpAuthClock,
    ) => {
      const level = authorizationServerLevel(options);
      if (!settings || !level) return undefined;
      return SigningKeySet.create(level.options.signingKeys, {
        production: options.production,
        clock,
        maxTokenLifetimeSeconds: settings.accessTokenTtlSeconds,
        path: `${level.kind}.signingKeys`,
      });
    },
  },
  {
    provide: AccessTokenSigner,
    inject: [{ token: SigningKeySet, optional: true }],
    useFactory: (keys: SigningKeySet | undefined) => (keys ? new AccessTokenSigner(keys) : undefined),
  },
  {
    provide: TokenIssuer,
    inject: [MCP_AUTH_AS_SETTINGS, { token: AccessTokenSigner, optional: true }, MCP_AUTH_CLOCK],
    useFactory: whenAs(
      (settings, signer: AccessTokenSigner, clock: McpAuthClock) =>
        new TokenIssuer(signer, clock, settings.issuer, settings.accessTokenTtlSeconds),
    ),
  },
  {
    provide: GrantService,
    inject: [MCP_AUTH_AS_SETTINGS, { token: MCP_AUTH_STORE, optional: true }, MCP_AUTH_CLOCK],
    useFactory: whenAs(
      (settings, store: McpAuthStore, clock: McpAuthClock) =>
        new GrantService(store, clock, {
          codeTtlSeconds: settings.codeTtlSeconds,
          refreshTokenTtlSeconds: settings.refreshTokenTtlSeconds,
          refreshGraceSeconds: settings.refreshGraceSeconds,
          accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
        }),
    ),
  },
  {
    provide: TransactionService,
    inject: [MCP_AUTH_AS_SETTINGS, { token: MCP_AUTH_STORE, optional: true }],
    useFactory: whenAs(
      (settings, store: McpAuthStore) =>
        new TransactionService(store, settings.transactionTtlSeconds, settings.secureCookies),
    ),
  },
  {
    provide: AUTHORIZATION_RATE_LIMITER,
    inject: [MCP_AUTH_AS_SETTINGS, { token: MCP_AUTH_STORE, optional: true }],
    useFactory: (settings: AuthorizationServerSettings | undefined, store: McpAuthStore | undefined) => {
      const limit = settings?.authorizationRateLimit;
      return store && limit
        ? new RegistrationRateLimiter(store, limit.max, limit.windowSeconds, 'authorize-rate')
        : undefined;
    },
  },
  {
    provide: ConsentMemory,
    inject: [MCP_AUTH_AS_SETTINGS, { token: MCP_AUTH_STORE, optional: true }, { token: GrantService, optional: true }],
    useFactory: whenAs((settings, store: McpAuthStore, grants: GrantService) => {
      const memory = new ConsentMemory(store, settings.rememberConsentDays, settings.secureCookies);
      // Whatever revokes a grant (the client's own /revoke included), its client asks again.
      grants.onGrantRevoked(async (grantId, revoked) => {
        if (grantId && revoked) await memory.forget(revoked.clientId);
      });
      return memory;
    }),
  },
  {
    provide: ConnectedAppsService,
    inject: [
      MCP_AUTH_AS_SETTINGS,
      { token: MCP_AUTH_STORE, optional: true },
      { token: GrantService, optional: true },
      { token: MCP_AUTH_CLIENTS, optional: true },
    ],
    useFactory: whenAs(
      (_settings, store: McpAuthStore, grants: GrantService, clients: ClientDirectory) =>
        new ConnectedAppsService(store, grants, clients),
    ),
  },
  {
    provide: MCP_AUTH_CLIENTS,
    inject: [{ token: ClientRegistry, optional: true }],
    useFactory: (registry: ClientRegistry | undefined) =>
      registry ? new RegistryClientDirectory(registry) : undefined,
  },
  {
    provide: MCP_AUTH_PAGES,
    inject: [OPTIONS],
    useFactory: (options: ResolvedMcpAuthOptions) => authorizationServerLevel(options)?.options.pages ?? defaultPages,
  },
  {
    provide: OwnTokenVerifier,
    inject: [
      MCP_AUTH_AS_SETTINGS,
      { token: SigningKeySet, optional: true },
      { token: GrantService, optional: true },
      MCP_AUTH_CLOCK,
      { token: UpstreamTokenVault, optional: true },
    ],
    useFactory: whenAs(
      (
        settings,
        keys: SigningKeySet,
        grants: GrantService,
        clock: McpAuthClock,
        vault: UpstreamTokenVault | undefined,
      ) =>
        new OwnTokenVerifier(
          keys,
          grants,
          clock,
          { issuer: settings.issuer, resources: settings.resources },
          // Level 3: tokens carry an accessor to the user's upstream tokens.
          vault ? (token, grantId) => vault.decorate(token, grantId) : undefined,
        ),
    ),
  },
  ClientCredentialsGrantFactory,
];

export { MCP_AUTH_CLIENT_CREDENTIALS };

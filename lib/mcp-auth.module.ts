import {
  Inject,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { MCP_AUTH_CLOCK, systemClock } from './core/clock.js';
import { MCP_TOKEN_VERIFIER } from './core/token-verifier.js';
import { McpAuthGuard } from './http/guards/mcp-auth.guard.js';
import { AuthorizationServerMetadataController } from './http/well-known/authorization-server-metadata.controller.js';
import { ProtectedResourceMetadataController } from './http/well-known/protected-resource-metadata.controller.js';
import { MetadataMirror } from './remote/metadata-mirror.service.js';
import { MCP_AUTH_STORE } from './storage/mcp-auth-store.interface.js';
import { RecordCipher } from './storage/record-cipher.js';
import { SingleFlight } from './storage/single-flight.js';
import { storageProviders } from './storage/storage.providers.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from './mcp-auth.constants.js';
import { ConfigurableModuleClass, MCP_AUTH_MODULE_OPTIONS } from './mcp-auth.module-definition.js';
import {
  createModuleVerifier,
  MCP_ENDPOINT_PATH,
  resolveModuleOptions,
  type McpAuthModuleExtras,
} from './mcp-auth.providers.js';
import { mcpAuthOptionsFromEnvironment } from './config/environment-async-options.js';
import type { McpAuthModuleOptions } from './core/options/module-options.js';
import { McpEndpointPolicyMiddleware } from './transport/mcp-endpoint-policy.middleware.js';
import { authorizationFlowProvider } from './oauth/authorization-flow.provider.js';
import { authorizationServerProviders } from './oauth/authorization-server.providers.js';
import type { AuthorizationServerSettings } from './oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from './oauth/authorization-server.tokens.js';
import { mountOAuthEndpoints } from './oauth/oauth-routes.js';
import type { ResolvedMcpAuthOptions } from './core/options/resolved-options.js';
import { OwnTokenVerifier } from './oauth/tokens/own-token.verifier.js';
import { ConnectedAppsService } from './oauth/grants/connected-apps.service.js';
import { InstanceConsistencyCheck } from './oauth/instance-consistency.check.js';
import { proxyProviders } from './proxy/proxy.providers.js';
import { serverProviders } from './server/server.providers.js';
import { MCP_AUTH_USER_AUTHENTICATOR } from './server/user-authenticator.js';

/**
 * Authorization for MCP servers on NestJS: verifies bearer tokens, serves the discovery
 * metadata MCP clients need, and hosts the MCP endpoint whose tools it protects.
 *
 * @example
 * ```ts
 * McpAuthModule.forRoot({
 *   resourceUrl: 'https://mcp.example.com/mcp',
 *   authorizationServers: ['https://auth.example.com'],
 *   verifier: { type: 'jwt', issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' },
 * })
 * ```
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  controllers: [ProtectedResourceMetadataController, AuthorizationServerMetadataController],
  providers: [
    { provide: MCP_AUTH_RESOLVED_OPTIONS, useFactory: resolveModuleOptions, inject: [MCP_AUTH_MODULE_OPTIONS] },
    { provide: MCP_AUTH_CLOCK, useValue: systemClock },
    {
      provide: MCP_TOKEN_VERIFIER,
      useFactory: createModuleVerifier,
      inject: [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_CLOCK, ModuleRef, { token: OwnTokenVerifier, optional: true }],
    },
    McpAuthGuard,
    McpEndpointPolicyMiddleware,
    MetadataMirror,
    ...storageProviders,
    ...authorizationServerProviders,
    ...serverProviders,
    ...proxyProviders,
    authorizationFlowProvider,
    InstanceConsistencyCheck,
  ],
  exports: [
    MCP_AUTH_RESOLVED_OPTIONS,
    MCP_TOKEN_VERIFIER,
    MCP_AUTH_CLOCK,
    McpAuthGuard,
    MCP_AUTH_STORE,
    MCP_AUTH_USER_AUTHENTICATOR,
    RecordCipher,
    SingleFlight,
    ConnectedAppsService,
  ],
})
export class McpAuthModule extends ConfigurableModuleClass implements NestModule {
  /**
   * Options from the environment (`MCP_AUTH_PROVIDER`, `MCP_AUTH_*`, and `.env` files loaded by
   * `ConfigModule.forRoot()`), read through `@nestjs/config`; `programmatic` wins field by field.
   * Every problem is reported at start-up by variable name.
   * @see docs/configuration.md
   */
  static forRootFromEnvironment(
    programmatic: Partial<McpAuthModuleOptions> = {},
    extras: McpAuthModuleExtras = {},
  ): DynamicModule {
    return McpAuthModule.forRootAsync(mcpAuthOptionsFromEnvironment(programmatic, extras));
  }

  constructor(
    @Inject(MCP_ENDPOINT_PATH) private readonly endpoint: string | false,
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly authorizationServer: AuthorizationServerSettings | undefined,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
  ) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    if (this.endpoint) {
      consumer.apply(McpEndpointPolicyMiddleware).forRoutes({ path: this.endpoint, method: RequestMethod.ALL });
    }
    // Levels 3 and 4: the authorization-server endpoints, at the configured paths only.
    if (this.authorizationServer) {
      mountOAuthEndpoints(consumer, this.authorizationServer, this.options.server?.adminRoutes);
    }
  }
}

import { Inject, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
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
import { createModuleVerifier, MCP_ENDPOINT_PATH, resolveModuleOptions } from './mcp-auth.providers.js';
import { McpEndpointPolicyMiddleware } from './transport/mcp-endpoint-policy.middleware.js';

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
      inject: [MCP_AUTH_RESOLVED_OPTIONS, MCP_AUTH_CLOCK, ModuleRef],
    },
    McpAuthGuard,
    McpEndpointPolicyMiddleware,
    MetadataMirror,
    ...storageProviders,
  ],
  exports: [
    MCP_AUTH_RESOLVED_OPTIONS,
    MCP_TOKEN_VERIFIER,
    MCP_AUTH_CLOCK,
    McpAuthGuard,
    MCP_AUTH_STORE,
    RecordCipher,
    SingleFlight,
  ],
})
export class McpAuthModule extends ConfigurableModuleClass implements NestModule {
  constructor(@Inject(MCP_ENDPOINT_PATH) private readonly endpoint: string | false) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    if (this.endpoint) {
      consumer.apply(McpEndpointPolicyMiddleware).forRoutes({ path: this.endpoint, method: RequestMethod.ALL });
    }
  }
}

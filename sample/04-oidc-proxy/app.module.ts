import { Module, type DynamicModule } from '@nestjs/common';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { ProfileTools, UPSTREAM_ISSUER } from './profile.tools.js';
import type { ExternalIdentityProvider, OidcProxySampleSettings } from './settings.js';

/**
 * Level 3 with the generic `oidc` preset: to MCP clients the module is a complete authorization
 * server (metadata, dynamic registration, consent, PKCE, tokens); behind it, it signs users in at
 * one OpenID Connect provider through the one app registered there, found from the provider's
 * `.well-known/openid-configuration`.
 */
@Module({})
export class OidcProxyAppModule {
  static forUpstream(settings: OidcProxySampleSettings, upstream: ExternalIdentityProvider): DynamicModule {
    return {
      module: OidcProxyAppModule,
      imports: [
        McpAuthModule.forRoot({
          resourceUrl: settings.resourceUrl,
          resourceName: 'Profile (sample 04)',
          // What clients request first. Through the proxy, MCP scopes are the provider's scopes.
          scopesSupported: ['profile'],
          proxy: {
            upstream: {
              provider: 'oidc',
              issuer: upstream.issuer,
              clientId: upstream.clientId,
              ...(upstream.clientSecret ? { clientSecret: upstream.clientSecret } : {}),
              // Ask for a refresh token, so the proxy can renew the upstream token by itself.
              additionalScopes: ['openid', 'offline_access'],
              // Most enterprise providers do not implement RFC 8707; the proxy binds the MCP
              // resource into its own tokens, and the upstream token stays valid for userinfo.
              forwardResource: false,
            },
            // No signing keys: development signs with an ephemeral key and warns. In production,
            // configure `signingKeys` (npx nestjs-mcp-auth keys generate) and `storageEncryption`.
          },
          storage: settings.redisUrl ? { type: 'redis', url: settings.redisUrl } : { type: 'memory' },
          mcp: { serverInfo: { name: 'profile-oidc-proxy-sample', version: '1.0.0' } },
        }),
      ],
      providers: [{ provide: UPSTREAM_ISSUER, useValue: upstream.issuer }, ProfileTools],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { GITHUB_API_URL, GitHubTools } from './github.tools.js';
import type { GitHubProxySampleSettings } from './settings.js';

/**
 * Level 3 with the `github` preset: to MCP clients the module is a complete authorization server
 * (metadata, dynamic registration, consent, PKCE, its own tokens); behind it, users sign in at
 * GitHub through your one GitHub OAuth app, whose callback URL is the proxy's fixed callback.
 */
@Module({})
export class GitHubProxyAppModule {
  static forSettings(settings: GitHubProxySampleSettings): DynamicModule {
    const { github } = settings;
    return {
      module: GitHubProxyAppModule,
      imports: [
        McpAuthModule.forRoot({
          resourceUrl: settings.resourceUrl,
          resourceName: 'GitHub (sample 03)',
          // What clients request first. Through the GitHub proxy, MCP scopes are GitHub scopes.
          scopesSupported: ['read:user'],
          proxy: {
            upstream: {
              provider: 'github',
              clientId: github.clientId,
              clientSecret: github.clientSecret,
              baseUrl: github.serverUrl,
              apiBaseUrl: github.apiUrl,
            },
            // No signing keys: development signs with an ephemeral key and warns. In production,
            // configure `signingKeys` (npx nestjs-mcp-auth keys generate) and `storageEncryption`.
          },
          storage: settings.redisUrl ? { type: 'redis', url: settings.redisUrl } : { type: 'memory' },
          mcp: { serverInfo: { name: 'github-oauth-proxy-sample', version: '1.0.0' } },
        }),
      ],
      providers: [{ provide: GITHUB_API_URL, useValue: github.apiUrl }, GitHubTools],
    };
  }
}

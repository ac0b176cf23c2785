import { Logger, type Provider } from '@nestjs/common';
import { MCP_AUTH_CLOCK, type McpAuthClock } from '../core/clock.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { AuthorizationFlow } from '../oauth/authorization-flow.js';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import { GrantService } from '../oauth/grants/grant.service.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { RecordCipher } from '../storage/record-cipher.js';
import { SingleFlight } from '../storage/single-flight.js';
import { ProxyAuthorizationFlow } from './proxy-authorization.flow.js';
import { UpstreamTokenVault } from './upstream-token.accessor.js';
import { createUpstreamProvider } from './upstream/create-upstream-provider.js';
import { UpstreamOAuthClient } from './upstream/upstream-oauth.client.js';

/** Registers the upstream revocation with the grant service (level 3); resolves to whether it did. */
const UPSTREAM_REVOCATION = Symbol('MCP_AUTH:UPSTREAM_REVOCATION');

/** DI token of the factory that builds the proxy's authorization flow (level 3). */
export const PROXY_FLOW_FACTORY = Symbol('MCP_AUTH:PROXY_FLOW_FACTORY');

export type ProxyFlowFactory = () => AuthorizationFlow | undefined;

const OPTIONS = MCP_AUTH_RESOLVED_OPTIONS;
const logger = new Logger('McpAuth');

/** Level-3 providers; each is `undefined` unless `proxy` is configured. */
export const proxyProviders: Provider[] = [
  {
    provide: UpstreamOAuthClient,
    inject: [OPTIONS, MCP_AUTH_AS_SETTINGS, MCP_AUTH_CLOCK],
    useFactory: (
      options: ResolvedMcpAuthOptions,
      settings: AuthorizationServerSettings | undefined,
      clock: McpAuthClock,
    ) =>
      options.proxy && settings
        ? new UpstreamOAuthClient(createUpstreamProvider(options.proxy.upstream, 'proxy.upstream'), {
            redirectUri: settings.urls.callback as string,
            clock,
          })
        : undefined,
  },
  {
    provide: UpstreamTokenVault,
    inject: [
      { token: GrantService, optional: true },
      { token: RecordCipher, optional: true },
      { token: SingleFlight, optional: true },
      { token: UpstreamOAuthClient, optional: true },
      MCP_AUTH_CLOCK,
    ],
    useFactory: (
      grants: GrantService | undefined,
      cipher: RecordCipher | undefined,
      flights: SingleFlight | undefined,
      upstream: UpstreamOAuthClient | undefined,
      clock: McpAuthClock,
    ) =>
      grants && cipher && flights && upstream
        ? new UpstreamTokenVault(grants, cipher, flights, upstream, clock)
        : undefined,
  },
  {
    provide: PROXY_FLOW_FACTORY,
    inject: [
      OPTIONS,
      MCP_AUTH_AS_SETTINGS,
      { token: MCP_AUTH_STORE, optional: true },
      { token: UpstreamOAuthClient, optional: true },
      { token: RecordCipher, optional: true },
    ],
    useFactory:
      (
        options: ResolvedMcpAuthOptions,
        settings: AuthorizationServerSettings | undefined,
        store: McpAuthStore | undefined,
        upstream: UpstreamOAuthClient | undefined,
        cipher: RecordCipher | undefined,
      ): ProxyFlowFactory =>
      () =>
        options.proxy && settings && store && upstream && cipher
          ? new ProxyAuthorizationFlow(
              settings,
              store,
              upstream,
              cipher,
              displayName(upstream.provider.name),
              upstream.provider.forwardResource,
            )
          : undefined,
  },
  {
    // Whatever revokes a grant (RFC 7009 /revoke, reuse detection, a second code redemption,
    // connected apps), the upstream tokens held for it are revoked at the provider too (RV-07).
    provide: UPSTREAM_REVOCATION,
    inject: [
      { token: GrantService, optional: true },
      { token: UpstreamTokenVault, optional: true },
      { token: UpstreamOAuthClient, optional: true },
    ],
    useFactory: (
      grants: GrantService | undefined,
      vault: UpstreamTokenVault | undefined,
      upstream: UpstreamOAuthClient | undefined,
    ): boolean => {
      if (!grants || !vault || !upstream) return false;
      grants.onGrantRevoked(async (_grantId, revoked) => {
        const tokens = revoked ? await vault.open(revoked) : undefined;
        if (!tokens) return;
        const outcome = await upstream.revoke({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
        if (outcome.status === 'failed') logger.warn(`Upstream token revocation failed: ${outcome.error.message}`);
      });
      return true;
    },
  },
];

const NAMES: Record<string, string> = {
  github: 'GitHub',
  google: 'Google',
  azure: 'Microsoft Entra ID',
  cognito: 'Amazon Cognito',
  auth0: 'Auth0',
  discord: 'Discord',
  oidc: 'your identity provider',
};

function displayName(preset: string): string {
  return NAMES[preset] ?? preset;
}

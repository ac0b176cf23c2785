import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import type { AuthorizationServerSettings } from '../oauth/authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../oauth/authorization-server.tokens.js';
import { MCP_AUTH_CLIENT_CREDENTIALS } from '../oauth/endpoints/token.endpoint.js';
import { MCP_AUTH_STORE, type McpAuthStore } from '../storage/mcp-auth-store.interface.js';
import { TokenIssuer } from '../oauth/tokens/token-issuer.js';
import { ServerClientCredentialsGrant } from './client-credentials.grant.js';
import { ADMIN_ROUTE_DEFAULTS } from './connected-apps-admin.endpoint.js';
import { ConfiguredUsersAuthenticator } from './configured-users.authenticator.js';
import { LoginSessions } from './login-sessions.js';
import { LoginThrottle } from './login-throttle.js';
import { MCP_AUTH_USER_AUTHENTICATOR, type McpUserAuthenticator } from './user-authenticator.js';

const OPTIONS = MCP_AUTH_RESOLVED_OPTIONS;

export const ClientCredentialsGrantFactory: Provider = {
  provide: MCP_AUTH_CLIENT_CREDENTIALS,
  inject: [OPTIONS, MCP_AUTH_AS_SETTINGS, { token: TokenIssuer, optional: true }],
  useFactory: (
    options: ResolvedMcpAuthOptions,
    settings: AuthorizationServerSettings | undefined,
    issuer: TokenIssuer | undefined,
  ) =>
    settings?.grantTypes.includes('client_credentials') && issuer
      ? new ServerClientCredentialsGrant(
          issuer,
          settings,
          options.server?.adminRoutes ? (options.server.adminRoutes.scope ?? ADMIN_ROUTE_DEFAULTS.scope) : undefined,
        )
      : undefined,
};

/** Level-4 providers: sign-in sessions, failure throttling and the user authenticator. */
export const serverProviders: Provider[] = [
  {
    provide: LoginSessions,
    inject: [OPTIONS, MCP_AUTH_AS_SETTINGS, { token: MCP_AUTH_STORE, optional: true }],
    useFactory: (
      options: ResolvedMcpAuthOptions,
      settings: AuthorizationServerSettings | undefined,
      store: McpAuthStore | undefined,
    ) =>
      options.server && settings && store
        ? new LoginSessions(store, options.server.sessionTtlSeconds ?? 3600, settings.secureCookies)
        : undefined,
  },
  {
    provide: LoginThrottle,
    inject: [OPTIONS, { token: MCP_AUTH_STORE, optional: true }],
    useFactory: (options: ResolvedMcpAuthOptions, store: McpAuthStore | undefined) =>
      options.server && store
        ? new LoginThrottle(
            store,
            options.server.maxLoginFailures ?? 5,
            options.server.loginFailureWindowSeconds ?? 900,
          )
        : undefined,
  },
  {
    provide: MCP_AUTH_USER_AUTHENTICATOR,
    inject: [OPTIONS, ModuleRef],
    useFactory: async (
      options: ResolvedMcpAuthOptions,
      moduleRef: ModuleRef,
    ): Promise<McpUserAuthenticator | undefined> => {
      const server = options.server;
      if (!server) return undefined;
      if (server.authenticator) {
        try {
          return moduleRef.get(server.authenticator, { strict: false });
        } catch {
          return moduleRef.create(server.authenticator);
        }
      }
      return ConfiguredUsersAuthenticator.create(server.users ?? [], options.production);
    },
  },
];

import type { Provider } from '@nestjs/common';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { LoginSessions } from '../server/login-sessions.js';
import { ServerAuthorizationFlow } from '../server/server-authorization.flow.js';
import { MCP_AUTH_FLOW, type AuthorizationFlow } from './authorization-flow.js';
import type { AuthorizationServerSettings } from './authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from './authorization-server.tokens.js';
import { GrantService } from './grants/grant.service.js';
import { MCP_AUTH_PAGES, type McpAuthPages } from './pages/pages.js';
import { TransactionService } from './transactions/transaction.service.js';
import { PROXY_FLOW_FACTORY, type ProxyFlowFactory } from '../proxy/proxy.providers.js';

/** The level-specific authorization steps: the proxy's or the server's. */
export const authorizationFlowProvider: Provider = {
  provide: MCP_AUTH_FLOW,
  inject: [
    MCP_AUTH_RESOLVED_OPTIONS,
    MCP_AUTH_AS_SETTINGS,
    MCP_AUTH_PAGES,
    { token: TransactionService, optional: true },
    { token: GrantService, optional: true },
    { token: LoginSessions, optional: true },
    { token: PROXY_FLOW_FACTORY, optional: true },
  ],
  useFactory: (
    options: ResolvedMcpAuthOptions,
    settings: AuthorizationServerSettings | undefined,
    pages: McpAuthPages,
    transactions: TransactionService | undefined,
    grants: GrantService | undefined,
    sessions: LoginSessions | undefined,
    proxyFlow: ProxyFlowFactory | undefined,
  ): AuthorizationFlow | undefined => {
    if (!settings || !transactions || !grants) return undefined;
    if (options.server && sessions) return new ServerAuthorizationFlow(settings, pages, transactions, sessions, grants);
    return proxyFlow?.();
  },
};

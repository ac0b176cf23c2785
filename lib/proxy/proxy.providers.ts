import type { Provider } from '@nestjs/common';
import type { AuthorizationFlow } from '../oauth/authorization-flow.js';

/** DI token of the factory that builds the proxy's authorization flow (level 3). */
export const PROXY_FLOW_FACTORY = Symbol('MCP_AUTH:PROXY_FLOW_FACTORY');

export type ProxyFlowFactory = () => AuthorizationFlow | undefined;

/** Level-3 providers (filled in with the proxy flow). */
export const proxyProviders: Provider[] = [];

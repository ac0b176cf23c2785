import { Logger, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD, ModuleRef } from '@nestjs/core';
import passport from 'passport';
import type { Strategy } from 'passport';
import type { McpAuthClock } from './core/clock.js';
import type { McpAuthModuleOptions } from './core/options/module-options.js';
import { resolveMcpAuthOptions } from './core/options/resolve-options.js';
import { loadMcpAuthOptionsFromEnvironment } from './config/load-environment.js';
import { mergeMcpAuthOptions } from './config/merge-options.js';
import { PROVIDER_VARIABLE } from './config/environment-registry.js';
import { levelHooks } from './mcp-auth.levels.js';
import type { OwnTokenVerifier } from './oauth/tokens/own-token.verifier.js';
import { ChainTokenStrategy } from './verifiers/chain-token.strategy.js';
import type { ResolvedMcpAuthOptions } from './core/options/resolved-options.js';
import type { McpTokenVerifier } from './core/token-verifier.js';
import { McpAuthGuard } from './http/guards/mcp-auth.guard.js';
import { MCP_AUTH_PASSPORT_STRATEGY } from './mcp-auth.constants.js';
import { createMcpEndpointController } from './transport/mcp-endpoint.controller.js';
import { McpServerHost } from './transport/mcp-server-host.service.js';
import { StreamableHttpHandler } from './transport/streamable-http.handler.js';
import { ToolRegistry } from './transport/tool-registry.service.js';
import { createTokenVerifier } from './verifiers/create-token-verifier.js';
import { McpPassportStrategy } from './verifiers/passport-bridge.js';
import { JwtTokenStrategy } from './verifiers/jwt/jwt-token.strategy.js';

/** DI token of the mounted MCP endpoint path (`false` when not mounted). */
export const MCP_ENDPOINT_PATH = 'MCP_AUTH:ENDPOINT_PATH';

/**
 * Options of `McpAuthModule.forRoot*` known when the module is declared, because they change the
 * module's shape (its controllers and global providers).
 * @publicApi
 */
export interface McpAuthModuleExtras {
  /**
   * Register the module globally so `@McpProtected()` works in every module.
   * @default true
   */
  isGlobal?: boolean;
  /**
   * Require a verified token on every route of the application; opt routes out with
   * `@McpPublic()`.
   * @default false
   */
  globalGuard?: boolean;
  /**
   * Path of the MCP endpoint, or `false` to mount none (guard and decorators only).
   * @default '/mcp'
   */
  mcpEndpoint?: string | false;
}

export const DEFAULT_EXTRAS: McpAuthModuleExtras = { isGlobal: true, globalGuard: false, mcpEndpoint: '/mcp' };

/** Adds what the extras ask for: global scope, the global guard, the MCP endpoint. */
export function applyModuleExtras(definition: DynamicModule, extras: McpAuthModuleExtras): DynamicModule {
  const endpoint = extras.mcpEndpoint ?? DEFAULT_EXTRAS.mcpEndpoint;
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    { provide: MCP_ENDPOINT_PATH, useValue: endpoint ?? false },
  ];
  const controllers = [...(definition.controllers ?? [])];
  if (extras.globalGuard) providers.push({ provide: APP_GUARD, useExisting: McpAuthGuard });
  if (endpoint) {
    providers.push(ToolRegistry, McpServerHost, StreamableHttpHandler);
    controllers.push(createMcpEndpointController(endpoint));
  }
  return { ...definition, global: extras.isGlobal ?? true, providers, controllers };
}

const logger = new Logger('McpAuth');

/**
 * Validates the options (core and every level section) and applies what the configured level
 * implies (see `levelHooks`).
 */
export function resolveModuleOptions(options: McpAuthModuleOptions): ResolvedMcpAuthOptions {
  return resolveMcpAuthOptions(withEnvironmentLevel(options, process.env), process.env, levelHooks);
}

/**
 * Options that name no level (`verifier`, `remote`, `proxy`, `server`) take it from the
 * environment when `MCP_AUTH_PROVIDER` is set (already loaded from `.env` files by
 * `ConfigModule.forRoot()`); what the code sets still wins, field by field.
 */
function withEnvironmentLevel(options: McpAuthModuleOptions, env: NodeJS.ProcessEnv): McpAuthModuleOptions {
  const namesLevel = options.verifier || options.remote || options.proxy || options.server;
  if (namesLevel || !env[PROVIDER_VARIABLE]) return options;
  const fromEnvironment = loadMcpAuthOptionsFromEnvironment(env, { programmatic: options, requireComplete: true });
  return mergeMcpAuthOptions(options, fromEnvironment) as McpAuthModuleOptions;
}

/**
 * Builds the module's verifier from the resolved options and registers it with Passport as
 * `mcp-auth`, so `AuthGuard('mcp-auth')` from `@nestjs/passport` accepts the same tokens.
 */
export async function createModuleVerifier(
  options: ResolvedMcpAuthOptions,
  clock: McpAuthClock,
  moduleRef: ModuleRef,
  ownTokens: OwnTokenVerifier | undefined,
): Promise<McpTokenVerifier> {
  const configured = options.verifier
    ? await createTokenVerifier(options.verifier, { resourceUrl: options.resourceUrl, clock }, moduleRef)
    : undefined;
  // Levels 3 and 4 verify their own tokens first; a configured verifier then handles others
  // (for example machine-to-machine tokens from another issuer).
  const members = [ownTokens, configured].filter((v): v is McpTokenVerifier => v !== undefined);
  const verifier = members.length === 1 ? members[0] : new ChainTokenStrategy(members);
  if (options.verifier?.type === 'static') {
    logger.warn(
      'Static development tokens are enabled: anyone holding one of them is authenticated. Never use this in production.',
    );
  }
  const strategy =
    verifier instanceof McpPassportStrategy || verifier instanceof JwtTokenStrategy
      ? verifier
      : new DelegatingStrategy(verifier);
  passport.use(MCP_AUTH_PASSPORT_STRATEGY, strategy as unknown as Strategy);
  return verifier;
}

/** Passport face of a custom verifier class. */
class DelegatingStrategy extends McpPassportStrategy {
  name = MCP_AUTH_PASSPORT_STRATEGY;
  constructor(private readonly delegate: McpTokenVerifier) {
    super();
  }
  verify(token: string) {
    return this.delegate.verify(token);
  }
}

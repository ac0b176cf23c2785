import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import type { McpAuthModuleExtras } from '../mcp-auth.providers.js';
import { environmentVariableNames, VARIABLE_PREFIX } from './environment-registry.js';
import { loadMcpAuthOptionsFromEnvironment, type McpAuthEnvironment } from './load-environment.js';
import { mergeMcpAuthOptions } from './merge-options.js';

/**
 * The `McpAuthModule.forRootAsync()` options that {@link mcpAuthOptionsFromEnvironment} returns.
 * @publicApi
 */
export type McpAuthEnvironmentAsyncOptions = ConfigurableModuleAsyncOptions<
  McpAuthModuleOptions,
  'createMcpAuthOptions'
> &
  McpAuthModuleExtras;

/**
 * Options for `McpAuthModule.forRootAsync()` that read the configuration from the environment
 * through `@nestjs/config`'s `ConfigService`, so `.env` files loaded by `ConfigModule.forRoot()`
 * count, and merge it under the options given in code (which always win, field by field).
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [ConfigModule.forRoot(), McpAuthModule.forRootAsync(mcpAuthOptionsFromEnvironment())],
 * })
 * export class AppModule {}
 * ```
 * @param programmatic - options that override the environment.
 * @param extras - `isGlobal`, `globalGuard`, `mcpEndpoint` (also appended to `MCP_AUTH_BASE_URL`).
 * @publicApi
 */
export function mcpAuthOptionsFromEnvironment(
  programmatic: Partial<McpAuthModuleOptions> = {},
  extras: McpAuthModuleExtras = {},
): McpAuthEnvironmentAsyncOptions {
  return {
    ...extras,
    imports: [ConfigModule],
    inject: [ConfigService],
    useFactory: (config: ConfigService) => {
      const fromEnvironment = loadMcpAuthOptionsFromEnvironment(readMcpAuthEnvironment(config), {
        programmatic,
        mcpEndpoint: extras.mcpEndpoint,
        requireComplete: true,
      });
      return mergeMcpAuthOptions(programmatic, fromEnvironment) as McpAuthModuleOptions;
    },
  };
}

/**
 * Reads every `MCP_AUTH_*` variable (and `NODE_ENV`) through a `ConfigService`: values from
 * `.env` files, custom configuration and `process.env` alike.
 * @publicApi
 */
export function readMcpAuthEnvironment(config: ConfigService): McpAuthEnvironment {
  const names = new Set([
    ...environmentVariableNames(),
    ...Object.keys(process.env).filter((name) => name.startsWith(VARIABLE_PREFIX)),
    'NODE_ENV',
  ]);
  const env: Record<string, string> = {};
  for (const name of names) {
    const value: unknown = config.get(name);
    if (value !== undefined && value !== null) env[name] = String(value);
  }
  return env;
}

import { McpAuthConfigurationError } from '../errors/configuration.error.js';
import { isLoopbackUrl, protectedResourceMetadataPath, protectedResourceMetadataUrl } from '../resource-url.js';
import { McpAuthModuleOptions, McpServerInfo, McpTransportOptions } from './module-options.js';
import type { OriginPolicy, ResolvedMcpAuthOptions } from './resolved-options.js';
import { validateSection } from './validate-section.js';
import { validateVerifierOptions } from './validate-verifier-options.js';
import { validateRemoteOptions } from './validate-remote-options.js';
import type { McpVerifierOptions } from './verifier-options.js';
import { isScopeToken, parseHttpUrl } from './validators.js';

/** Reported in `initialize` when no `mcp.serverInfo` is configured. */
export const DEFAULT_SERVER_INFO: McpServerInfo = { name: 'nestjs-mcp-auth', version: '0.1.0' };

const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * What an auth level derives from its own options (for example level 2 from its provider
 * preset). Supplied by the module, so that core does not depend on the levels.
 */
export interface LevelDerivation {
  verifier?: McpVerifierOptions;
  authorizationServers?: string[];
  metadataMirror?: ResolvedMcpAuthOptions['metadataMirror'];
}

/** The module's knowledge of the levels' own options: how to validate them and what they imply. */
export interface LevelHooks {
  /** Adds one line per problem of the level options (levels 3 and 4 validate their sections here). */
  validate(options: McpAuthModuleOptions, context: { production: boolean }, problems: string[]): void;
  /** Called only on valid options. */
  derive(options: McpAuthModuleOptions): LevelDerivation;
}

const NO_LEVEL_HOOKS: LevelHooks = { validate: () => undefined, derive: () => ({}) };

/** The levels that bring their own authorization server. */
const LEVELS_WITH_VERIFIER = ['remote', 'proxy', 'server'] as const;

/**
 * Validates the module options and applies defaults, once, at bootstrap.
 *
 * @param levels - validates the level sections and computes what the configured level implies.
 * @throws McpAuthConfigurationError listing every problem, each prefixed with its option path.
 */
export function resolveMcpAuthOptions(
  options: McpAuthModuleOptions,
  env: NodeJS.ProcessEnv = process.env,
  levels: LevelHooks = NO_LEVEL_HOOKS,
): ResolvedMcpAuthOptions {
  const problems: string[] = [];
  if (!validateSection('', McpAuthModuleOptions, options, problems)) throw new McpAuthConfigurationError(problems);
  const production = options.production ?? env.NODE_ENV === 'production';
  if (options.verifier !== undefined) validateVerifierOptions('verifier', options.verifier, { production }, problems);
  if (options.remote !== undefined) validateRemoteOptions('remote', options.remote, problems);
  const configuredLevels = LEVELS_WITH_VERIFIER.filter((level) => options[level] !== undefined);
  if (options.verifier === undefined && configuredLevels.length === 0) {
    problems.push('verifier: required (or configure a level that provides it: remote, proxy or server)');
  }
  if (configuredLevels.length > 1) problems.push(`${configuredLevels.join(', ')}: configure only one of them`);
  if (configuredLevels.length > 0 && options.authorizationServers !== undefined) {
    problems.push(
      `authorizationServers: ${configuredLevels[0]} provides the authorization server; set one or the other`,
    );
  }
  levels.validate(options, { production }, problems);
  if (options.mcp !== undefined) validateTransport(options.mcp, problems);
  if (options.impliedScopes !== undefined) validateImpliedScopes(options.impliedScopes, problems);
  if (options.authorizationServers?.length === 0) {
    problems.push('authorizationServers: must list at least one issuer when given');
  }
  if (production) {
    for (const [path, url] of publicUrls(options)) {
      const parsed = parseHttpUrl(url);
      if (parsed?.protocol === 'http:' && !isLoopbackUrl(parsed)) {
        problems.push(`${path}: must use https in production (got ${url})`);
      }
    }
  }
  if (problems.length > 0) throw new McpAuthConfigurationError(problems.map((p) => p.replace(/^\./, '')));

  const derived = levels.derive(options);
  const resourceUrl = options.resourceUrl;
  const mcp = options.mcp ?? {};
  return {
    resourceUrl,
    resourceMetadataUrl: protectedResourceMetadataUrl(resourceUrl),
    resourceMetadataPath: protectedResourceMetadataPath(resourceUrl),
    verifier: options.verifier ?? derived.verifier,
    proxy: options.proxy,
    server: options.server,
    metadataMirror: derived.metadataMirror,
    authorizationServers: options.authorizationServers ?? derived.authorizationServers ?? [],
    scopesSupported: options.scopesSupported,
    requiredScopes: options.requiredScopes ?? [],
    impliedScopes: options.impliedScopes,
    resourceName: options.resourceName,
    resourceDocumentation: options.resourceDocumentation,
    production,
    storage: options.storage,
    storageEncryption: options.storageEncryption,
    mcp: {
      serverInfo: mcp.serverInfo ?? DEFAULT_SERVER_INFO,
      instructions: mcp.instructions,
      allowedHosts: resolveAllowedHosts(resourceUrl, mcp.allowedHosts),
      allowedOrigins: resolveAllowedOrigins(resourceUrl, mcp.allowedOrigins),
    },
  };
}

function validateTransport(mcp: McpTransportOptions, problems: string[]): void {
  if (!validateSection('mcp', McpTransportOptions, mcp, problems)) return;
  if (mcp.serverInfo !== undefined) validateSection('mcp.serverInfo', McpServerInfo, mcp.serverInfo, problems);
  const hosts = mcp.allowedHosts;
  if (hosts !== undefined && hosts !== false) {
    if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every(isHostName)) {
      problems.push('mcp.allowedHosts: must be false or a non-empty array of host names without port');
    }
  }
  const origins = mcp.allowedOrigins;
  if (origins !== undefined && origins !== '*') {
    if (!Array.isArray(origins) || origins.length === 0 || !origins.every(isOrigin)) {
      problems.push("mcp.allowedOrigins: must be '*' or a non-empty array of origins such as https://app.example.com");
    }
  }
}

function isHostName(value: unknown): boolean {
  return typeof value === 'string' && /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)$/.test(value);
}

function isOrigin(value: unknown): boolean {
  const url = parseHttpUrl(value);
  return url !== undefined && url.origin === value;
}

function resolveAllowedHosts(
  resourceUrl: string,
  configured: string[] | false | undefined,
): ReadonlySet<string> | undefined {
  if (configured === false) return undefined;
  if (configured) return new Set(configured.map((h) => h.toLowerCase()));
  const url = new URL(resourceUrl);
  return isLoopbackUrl(url) ? new Set([...LOOPBACK_HOSTNAMES, url.hostname]) : undefined;
}

function resolveAllowedOrigins(resourceUrl: string, configured: string[] | '*' | undefined): OriginPolicy {
  if (configured === '*') return { any: true };
  const url = new URL(resourceUrl);
  if (configured) return { any: false, exact: new Set(configured), loopbackAnyPort: false };
  return isLoopbackUrl(url) ? { any: false, exact: new Set([url.origin]), loopbackAnyPort: true } : { any: true };
}

/** Every URL the module fetches or advertises: plain http is refused for them in production. */
function publicUrls(options: McpAuthModuleOptions): Array<[string, unknown]> {
  const urls: Array<[string, unknown]> = [['resourceUrl', options.resourceUrl]];
  if (Array.isArray(options.authorizationServers)) {
    options.authorizationServers.forEach((url, i) => urls.push([`authorizationServers[${i}]`, url]));
  }
  collectVerifierUrls('verifier', options.verifier, urls);
  const remote = options.remote as Record<string, unknown> | undefined;
  for (const key of ['domain', 'issuer', 'environmentUrl', 'projectUrl', 'realmUrl', 'jwksUri', 'baseUrl']) {
    if (remote && typeof remote[key] === 'string') urls.push([`remote.${key}`, remote[key]]);
  }
  for (const level of ['proxy', 'server'] as const) {
    const as = options[level] as Record<string, unknown> | undefined;
    for (const key of ['issuerUrl', 'baseUrl']) {
      if (as && typeof as[key] === 'string') urls.push([`${level}.${key}`, as[key]]);
    }
  }
  const introspection = (remote?.introspection as { introspectionUrl?: unknown } | undefined)?.introspectionUrl;
  if (introspection !== undefined) urls.push(['remote.introspection.introspectionUrl', introspection]);
  return urls;
}

function collectVerifierUrls(path: string, verifier: unknown, urls: Array<[string, unknown]>): void {
  if (verifier === null || typeof verifier !== 'object') return;
  const v = verifier as { jwksUri?: unknown; introspectionUrl?: unknown; verifiers?: unknown };
  if (v.jwksUri !== undefined) urls.push([`${path}.jwksUri`, v.jwksUri]);
  if (v.introspectionUrl !== undefined) urls.push([`${path}.introspectionUrl`, v.introspectionUrl]);
  if (Array.isArray(v.verifiers))
    v.verifiers.forEach((m, i) => collectVerifierUrls(`${path}.verifiers[${i}]`, m, urls));
}

function validateImpliedScopes(implied: unknown, problems: string[]): void {
  if (implied === null || typeof implied !== 'object' || Array.isArray(implied)) return;
  for (const [scope, children] of Object.entries(implied)) {
    if (
      !isScopeToken(scope) ||
      !Array.isArray(children) ||
      !children.every((c) => typeof c === 'string' && isScopeToken(c))
    ) {
      problems.push(`impliedScopes[${JSON.stringify(scope)}]: must map a scope to an array of scopes`);
    }
  }
}

import type { AuthorizationServerOptions } from '../core/options/authorization-server-options.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import type { AuthorizationServerSettings, OAuthEndpointUrls } from './authorization-server.settings.js';

const DEFAULT_ROUTES = {
  authorize: '/authorize',
  token: '/token',
  register: '/register',
  revoke: '/revoke',
  consent: '/consent',
  jwks: '/jwks',
  callback: '/oauth/callback',
  login: '/login',
  introspect: '/introspect',
} as const;

/** Authorization requests per client address: generous for people, a wall for floods (F-20). */
const DEFAULT_AUTHORIZATION_RATE_LIMIT = { max: 120, windowSeconds: 60 } as const;

/** The level-3 or level-4 options, if one of them is configured. */
export function authorizationServerLevel(
  options: ResolvedMcpAuthOptions,
): { kind: 'proxy' | 'server'; options: AuthorizationServerOptions } | undefined {
  if (options.proxy) return { kind: 'proxy', options: options.proxy };
  if (options.server) return { kind: 'server', options: options.server };
  return undefined;
}

/**
 * Resolves the authorization server's settings once, from configuration only: the issuer
 * (default: the MCP URL's origin) is also the first entry of `authorization_servers`, endpoint
 * URLs are `baseUrl` + path, and the scopes clients may ask for default to every scope this
 * server knows (advertised, required, and the tools' own).
 */
export function authorizationServerSettings(
  options: ResolvedMcpAuthOptions,
  toolScopes: () => readonly string[],
  capabilities: { dynamicRegistration: boolean; clientIdMetadataDocuments: boolean },
): AuthorizationServerSettings | undefined {
  const level = authorizationServerLevel(options);
  if (!level) return undefined;
  const as = level.options;
  const issuer = options.authorizationServers[0];
  const base = (as.baseUrl ?? issuer).replace(/\/+$/, '');
  const paths = { ...DEFAULT_ROUTES, ...as.paths };
  const endpointPaths = {
    authorize: paths.authorize,
    token: paths.token,
    register: paths.register,
    revoke: paths.revoke,
    consent: paths.consent,
    jwks: paths.jwks,
    ...(level.kind === 'proxy' ? { callback: paths.callback } : { login: paths.login, introspect: paths.introspect }),
  };
  // An issuer with a path (https://host/tenant) serves its endpoints under that path, where the
  // metadata advertises them. With `baseUrl`, a path-rewriting proxy in front maps the public
  // URLs onto the bare paths.
  const localPrefix = as.baseUrl ? '' : new URL(issuer).pathname.replace(/\/+$/, '');
  const mapPaths = (prefix: string) =>
    Object.fromEntries(
      Object.entries(endpointPaths).map(([name, path]) => [name, `${prefix}${path}`]),
    ) as unknown as OAuthEndpointUrls;
  const routes = mapPaths(localPrefix);
  const urls = mapPaths(base);
  let knownScopes: readonly string[] | undefined;
  // Tools are discovered after the providers are built: the scope list is computed on first use.
  const scopesSupported = () =>
    (knownScopes ??= as.scopes ?? [
      ...new Set([...(options.scopesSupported ?? []), ...options.requiredScopes, ...toolScopes()]),
    ]);
  const clientCredentials = level.kind === 'server' && options.server?.clientCredentials !== false;
  return {
    issuer,
    urls,
    routes,
    resources: [options.resourceUrl],
    get scopesSupported() {
      return scopesSupported();
    },
    defaultScopes: options.scopesSupported ?? options.requiredScopes,
    accessTokenTtlSeconds: as.accessTokenTtlSeconds ?? 3600,
    refreshTokenTtlSeconds: as.refreshTokenTtlSeconds ?? 30 * 86_400,
    refreshGraceSeconds: as.refreshGraceSeconds ?? 10,
    codeTtlSeconds: as.authorizationCodeTtlSeconds ?? 60,
    transactionTtlSeconds: as.transactionTtlSeconds ?? 600,
    rememberConsentDays: as.rememberConsentDays ?? 0,
    authorizationRateLimit:
      as.authorizationRateLimit === false
        ? false
        : {
            max: as.authorizationRateLimit?.max ?? DEFAULT_AUTHORIZATION_RATE_LIMIT.max,
            windowSeconds: as.authorizationRateLimit?.windowSeconds ?? DEFAULT_AUTHORIZATION_RATE_LIMIT.windowSeconds,
          },
    secureCookies: issuer.startsWith('https:'),
    dynamicRegistration: capabilities.dynamicRegistration,
    clientIdMetadataDocuments: capabilities.clientIdMetadataDocuments,
    grantTypes: clientCredentials
      ? ['authorization_code', 'refresh_token', 'client_credentials']
      : ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  };
}

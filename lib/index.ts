// Module
export { McpAuthModule } from './mcp-auth.module.js';
export { MCP_AUTH_MODULE_OPTIONS, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } from './mcp-auth.module-definition.js';
export type { McpAuthModuleExtras } from './mcp-auth.providers.js';
export {
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_ACCESS_TOKEN_PROPERTY,
  MCP_AUTH_PASSPORT_STRATEGY,
} from './mcp-auth.constants.js';

// Contracts and core types
export type { McpAccessToken } from './core/access-token.js';
export { MCP_TOKEN_VERIFIER, InjectMcpTokenVerifier, type McpTokenVerifier } from './core/token-verifier.js';
export { MCP_AUTH_CLOCK, InjectMcpAuthClock, systemClock, type McpAuthClock } from './core/clock.js';
export * from './core/errors/index.js';
export {
  McpAuthModuleOptions,
  McpTransportOptions,
  McpServerInfo,
  JwtVerifierOptions,
  JwksFetchOptions,
  VerifiedTokenCacheOptions,
  IntrospectionVerifierOptions,
  StaticTokenVerifierOptions,
  StaticTokenDefinition,
  CustomVerifierOptions,
  ChainVerifierOptions,
  DEFAULT_ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  resolveMcpAuthOptions,
  type McpVerifierOptions,
  type ResolvedMcpAuthOptions,
  type OriginPolicy,
} from './core/options/index.js';
export {
  RemoteOAuthCommonOptions,
  AuthKitOptions,
  DescopeOptions,
  ScalekitOptions,
  SupabaseOptions,
  Auth0Options,
  KeycloakOptions,
  GenericRemoteOptions,
  type RemoteOAuthOptions,
} from './core/options/remote-options.js';
export {
  discoverAuthorizationServerMetadata,
  metadataLocations,
  MetadataDiscoveryError,
  type DiscoveredMetadata,
} from './core/authorization-server-discovery.js';
export { buildBearerChallenge, type BearerChallenge } from './core/www-authenticate.js';
export { extractBearerToken } from './core/bearer-token.js';
export { protectedResourceMetadataUrl } from './core/resource-url.js';

// Level 1 verifiers (Passport strategies)
export { JwtTokenStrategy, type VerifierContext } from './verifiers/jwt/jwt-token.strategy.js';
export { IntrospectionTokenStrategy } from './verifiers/introspection-token.strategy.js';
export { StaticTokenStrategy } from './verifiers/static-token.strategy.js';
export { ChainTokenStrategy } from './verifiers/chain-token.strategy.js';
export { McpPassportStrategy } from './verifiers/passport-bridge.js';

// Environment configuration
export {
  mcpAuthOptionsFromEnvironment,
  readMcpAuthEnvironment,
  loadMcpAuthOptionsFromEnvironment,
  mergeMcpAuthOptions,
  environmentVariableNames,
  type McpAuthEnvironment,
  type McpAuthEnvironmentContext,
  type McpAuthEnvironmentAsyncOptions,
} from './config/index.js';

// Storage
export * from './storage/index.js';

// Level 2: remote OAuth
export { resolveRemoteLevel, type RemoteLevel } from './remote/remote-level.js';

// HTTP: guard and decorators
export { McpAuthGuard } from './http/guards/mcp-auth.guard.js';
export { McpProtected, type McpProtectedOptions } from './http/decorators/mcp-protected.decorator.js';
export { McpPublic } from './http/decorators/mcp-public.decorator.js';
export { CurrentToken } from './http/decorators/current-token.decorator.js';

// MCP transport
export { McpTool, type McpToolOptions } from './transport/mcp-tool.decorator.js';
export { ToolArgs, McpContext } from './transport/tool-params.decorators.js';

// Levels 3 and 4: the authorization server presented to MCP clients
export {
  AdminRoutesOptions,
  AuthorizationServerOptions,
  OAuthEndpointPaths,
  ProxyLevelOptions,
  ServerLevelOptions,
  ServerUserOptions,
} from './core/options/authorization-server-options.js';
export type { McpUpstreamTokenAccessor, McpUpstreamTokens } from './core/access-token.js';
export { ConnectedAppsService, type ConnectedApp } from './oauth/grants/connected-apps.service.js';
export { SigningKeyOptions, SIGNING_ALGORITHMS, type SigningAlgorithm } from './keys/signing-key-options.js';
export {
  StaticClientOptions,
  CimdOptions,
  type ClientAssertionVerifier,
  type OAuthClient,
} from './oauth/clients/index.js';
export { ClientRegistrationOptions } from './oauth/clients/client-registration.options.js';
export {
  MCP_AUTH_PAGES,
  InjectMcpAuthPages,
  defaultPages,
  type McpAuthPages,
  type ConsentPageModel,
  type LoginPageModel,
  type ErrorPageModel,
} from './oauth/pages/pages.js';

// Level 3: OAuth proxy upstream providers
export {
  UpstreamCommonOptions,
  GitHubUpstreamOptions,
  GoogleUpstreamOptions,
  AzureUpstreamOptions,
  CognitoUpstreamOptions,
  Auth0UpstreamOptions,
  DiscordUpstreamOptions,
  OidcUpstreamOptions,
  UpstreamError,
  UpstreamTransientError,
  UpstreamRejectedError,
  UpstreamProtocolError,
  type UpstreamProviderOptions,
} from './proxy/upstream/index.js';

// Level 4: sign-in
export {
  MCP_AUTH_USER_AUTHENTICATOR,
  InjectMcpUserAuthenticator,
  type McpUserAuthenticator,
  type AuthenticatedUser,
} from './server/user-authenticator.js';
export { hashPassword, verifyPassword } from './server/password-hash.js';

export {
  UpstreamError,
  UpstreamTransientError,
  UpstreamRejectedError,
  UpstreamProtocolError,
  type UpstreamOperation,
  type UpstreamFailureReason,
  type UpstreamErrorDetails,
} from './upstream.errors.js';
export type {
  UpstreamProvider,
  UpstreamClientAuthMethod,
  UpstreamEndpoints,
  UpstreamRevocation,
  UpstreamIdentityConfig,
  OidcIdentityConfig,
  GitHubIdentityConfig,
  DiscordIdentityConfig,
  CustomIdentityConfig,
  UpstreamIdentityContext,
  EntraIssuerRule,
  UpstreamAccessTokenVerification,
} from './upstream-provider.interface.js';
export type {
  UpstreamTokens,
  UpstreamIdentity,
  RevocationOutcome,
  UpstreamExpirySource,
} from './upstream-tokens.interface.js';
export {
  UpstreamOAuthClient,
  type UpstreamOAuthClientOptions,
  type UpstreamAuthorizationRequest,
  type UpstreamExchangeOptions,
  type UpstreamRefreshOptions,
} from './upstream-oauth.client.js';
export type { UpstreamCallbackQuery } from './upstream-callback.js';
export type { ResolvedUpstreamEndpoints } from './upstream-metadata.js';
export {
  UpstreamHttp,
  type UpstreamFetch,
  type UpstreamHttpResponse,
  type UpstreamHttpOptions,
} from './upstream-http.js';
export {
  createCodeVerifier,
  codeChallengeS256,
  isCodeVerifier,
  createUpstreamTransactionSecrets,
  type UpstreamTransactionSecrets,
} from './upstream-pkce.js';
export {
  identityScopeMapping,
  prefixedScopeMapping,
  aliasedScopeMapping,
  impliedScopeMapping,
  GITHUB_IMPLIED_SCOPES,
  type UpstreamScopeMapping,
  type UpstreamScopePolicy,
  type GrantedScopes,
} from './upstream-scopes.js';
export { DEFAULT_FALLBACK_EXPIRES_IN_SECONDS } from './token-response.parser.js';
export {
  createUpstreamProvider,
  validateUpstreamOptions,
  UPSTREAM_PROVIDER_SCHEMAS,
  type UpstreamProviderOptions,
  type UpstreamPresetName,
} from './create-upstream-provider.js';
export { UpstreamCommonOptions } from './presets/upstream-common.options.js';
export { GitHubUpstreamOptions, githubUpstream } from './presets/github.preset.js';
export { GoogleUpstreamOptions, googleUpstream, GOOGLE_ISSUER } from './presets/google.preset.js';
export { AzureUpstreamOptions, azureUpstream } from './presets/azure.preset.js';
export { CognitoUpstreamOptions, cognitoUpstream } from './presets/cognito.preset.js';
export { Auth0UpstreamOptions, auth0Upstream } from './presets/auth0.preset.js';
export { DiscordUpstreamOptions, discordUpstream } from './presets/discord.preset.js';
export { OidcUpstreamOptions, oidcUpstream } from './presets/oidc.preset.js';

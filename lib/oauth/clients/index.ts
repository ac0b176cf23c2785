// Client identification for the authorization server of levels 3 and 4: redirect URI policy,
// dynamic registration (RFC 7591), static clients, client ID metadata documents, client
// authentication. Explicit named exports only.
export type { OAuthClient, OAuthClientSource, OAuthGrantType, TokenEndpointAuthMethod } from './oauth-client.js';
export {
  checkRedirectUri,
  isLoopbackRedirectUri,
  parseLoopbackRedirectUri,
  redirectUriDisplayHost,
  hasOnlyLoopbackRedirectUris,
  FORBIDDEN_REDIRECT_SCHEMES,
  LOOPBACK_HOSTS,
  MAX_REDIRECT_URI_LENGTH,
  type RedirectUriKind,
  type RedirectUriRules,
  type RedirectUriCheck,
  type LoopbackRedirectUri,
} from './redirect-uri-validation.util.js';
export { matchRedirectUri } from './redirect-uri-matching.util.js';
export {
  compileRedirectUriPattern,
  isAllowedByPatterns,
  type RedirectUriPattern,
} from './redirect-uri-pattern.util.js';
export { ClientRegistrationDto, CLIENT_METADATA_LIMITS } from './client-registration.dto.js';
export type { ClientRegistrationPolicy, ClientMetadata } from './client-registration.policy.js';
export { validateClientRegistration, type ClientRegistrationContext } from './validate-client-registration.js';
export { toClientRegistrationResponse, type ClientRegistrationResponse } from './client-registration-response.js';
export {
  ClientRegistrationOptions,
  RegistrationRateLimitOptions,
  CLIENT_REGISTRATION_DEFAULTS,
} from './client-registration.options.js';
export {
  validateClientRegistrationOptions,
  resolveClientRegistrationOptions,
  type ResolvedClientRegistrationOptions,
} from './resolve-client-registration-options.js';
export { StaticClientOptions } from './static-client.options.js';
export { validateStaticClientOptions, buildStaticClients } from './static-clients.js';
export {
  extractClientCredentials,
  JWT_BEARER_ASSERTION_TYPE,
  type ClientCredentials,
  type ClientCredentialsInput,
} from './client-credentials.util.js';
export { authenticateClient } from './client-authentication.js';
export type { ClientAssertionVerifier } from './client-assertion-verifier.interface.js';
export {
  JwtClientAssertionVerifier,
  CLIENT_ASSERTION_ALGORITHMS,
  type JwtClientAssertionVerifierSettings,
} from './client-assertion.verifier.js';
export {
  ClientJwksFetcher,
  ClientJwksUnavailableError,
  type ClientJwksFetcherSettings,
  type ClientJwksSource,
} from './client-assertion-jwks.fetcher.js';
export { RegistrationRateLimiter, type RateLimitDecision } from './registration-rate-limiter.js';
export {
  ClientRegistry,
  type ClientRegistrySettings,
  type ClientRegistrationResult,
} from './client-registry.service.js';
export { CimdOptions, CIMD_DEFAULTS } from './cimd/cimd.options.js';
export { validateCimdOptions, resolveCimdOptions, type ResolvedCimdOptions } from './cimd/resolve-cimd-options.js';
export {
  ClientMetadataDocumentFetcher,
  type CimdFetcherSettings,
  type CimdLookup,
  type CimdTlsOptions,
  type ResolvedAddress,
} from './cimd/cimd-fetcher.js';
export { checkClientIdUrl, isUrlShapedClientId } from './cimd/client-id-url.util.js';
export { isPublicIpAddress } from './cimd/ip-address.util.js';
export { clientFromMetadataDocument } from './cimd/metadata-document-client.js';

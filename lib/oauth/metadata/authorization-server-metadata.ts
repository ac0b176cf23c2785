import type { AuthorizationServerSettings } from '../authorization-server.settings.js';
import { CLIENT_ASSERTION_ALGORITHMS } from '../clients/client-assertion.verifier.js';

/**
 * The RFC 8414 document of the authorization server facade (levels 3 and 4), built once from
 * configuration: `issuer` exactly as configured (and as advertised in the protected-resource
 * metadata), absolute endpoint URLs, `code_challenge_methods_supported: ["S256"]` only (MCP
 * clients must refuse servers without it), RFC 9207 `iss` announced because every
 * authorization response carries it, `none` among the token endpoint auth methods (public
 * clients, CIMD), and CIMD support when enabled. Disabled features are absent, not false.
 */
export function buildAuthorizationServerMetadata(
  settings: AuthorizationServerSettings,
  signingAlgorithms: readonly string[],
): Record<string, unknown> {
  const { urls } = settings;
  const assertionAlgorithms = settings.tokenEndpointAuthMethods.includes('private_key_jwt')
    ? [...CLIENT_ASSERTION_ALGORITHMS]
    : undefined;
  const document: Record<string, unknown> = {
    issuer: settings.issuer,
    authorization_endpoint: urls.authorize,
    token_endpoint: urls.token,
    jwks_uri: urls.jwks,
    registration_endpoint: settings.dynamicRegistration ? urls.register : undefined,
    revocation_endpoint: urls.revoke,
    introspection_endpoint: urls.introspect,
    scopes_supported: settings.scopesSupported.length ? [...settings.scopesSupported] : undefined,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...settings.grantTypes],
    token_endpoint_auth_methods_supported: [...settings.tokenEndpointAuthMethods],
    revocation_endpoint_auth_methods_supported: [...settings.tokenEndpointAuthMethods],
    introspection_endpoint_auth_methods_supported: urls.introspect
      ? settings.tokenEndpointAuthMethods.filter((m) => m !== 'none')
      : undefined,
    // RFC 8414 §2: required when private_key_jwt is offered (the assertion algorithms).
    token_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
    revocation_endpoint_auth_signing_alg_values_supported: assertionAlgorithms,
    introspection_endpoint_auth_signing_alg_values_supported: urls.introspect ? assertionAlgorithms : undefined,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: settings.clientIdMetadataDocuments ? true : undefined,
    access_token_signing_alg_values_supported: [...signingAlgorithms],
  };
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}

/**
 * The same document at the OpenID Connect discovery locations, with the members OIDC discovery
 * requires (clients that only try OIDC discovery parse it with an OIDC schema). This server
 * issues no ID tokens; `id_token_signing_alg_values_supported` names the algorithm it signs with.
 */
export function buildOpenIdDiscoveryAlias(metadata: Record<string, unknown>): Record<string, unknown> {
  return {
    ...metadata,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: metadata.access_token_signing_alg_values_supported,
  };
}

/**
 * Where the metadata is served for an issuer: RFC 8414 path-inserted, plus the OpenID Connect
 * aliases MCP clients try (path-inserted and, for issuers with a path, appended). Every variant
 * serves the same issuer (M-05).
 */
export function metadataRoutes(issuer: string): { rfc8414: string; openId: string[] } {
  const path = new URL(issuer).pathname.replace(/\/+$/, '');
  return {
    rfc8414: `/.well-known/oauth-authorization-server${path}`,
    openId: path
      ? [`/.well-known/openid-configuration${path}`, `${path}/.well-known/openid-configuration`]
      : ['/.well-known/openid-configuration'],
  };
}

import type { OAuthClient } from './oauth-client.js';

/**
 * The RFC 7591 §3.2.1 client information response body (`201 Created`, `Cache-Control:
 * no-store`): the server-assigned identifiers and every registered metadata value. SDK clients
 * require `client_id` and `redirect_uris` in it.
 * @publicApi
 */
export interface ClientRegistrationResponse {
  client_id: string;
  client_id_issued_at: number;
  client_secret?: string;
  /** Present whenever a secret is issued; 0 = it never expires. */
  client_secret_expires_at?: number;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  application_type: 'web' | 'native';
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  scope?: string;
  contacts?: string[];
  software_id?: string;
  software_version?: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwks_uri?: string;
}

/**
 * Renders a registered client (and its one-time secret) as the registration response.
 * @publicApi
 */
export function toClientRegistrationResponse(client: OAuthClient, clientSecret?: string): ClientRegistrationResponse {
  const response: ClientRegistrationResponse = {
    client_id: client.clientId,
    client_id_issued_at: client.clientIdIssuedAt,
    redirect_uris: [...client.redirectUris],
    grant_types: [...client.grantTypes],
    response_types: [...client.responseTypes],
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    application_type: client.applicationType,
  };
  if (clientSecret !== undefined) {
    response.client_secret = clientSecret;
    response.client_secret_expires_at = client.clientSecretExpiresAt ?? 0;
  }
  const optional = {
    client_name: client.clientName,
    client_uri: client.clientUri,
    logo_uri: client.logoUri,
    policy_uri: client.policyUri,
    tos_uri: client.tosUri,
    scope: client.scope,
    contacts: client.contacts && [...client.contacts],
    software_id: client.softwareId,
    software_version: client.softwareVersion,
    jwks: client.jwks && { keys: client.jwks.keys.map((key) => ({ ...key })) },
    jwks_uri: client.jwksUri,
  };
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) (response as unknown as Record<string, unknown>)[name] = value;
  }
  return response;
}

import { indexPath, validateSection } from '../../core/options/validate-section.js';
import { OAuthEndpointError } from '../oauth.errors.js';
import type { ClientRegistrationPolicy } from './client-registration.policy.js';
import { hashClientSecret } from './client-secret.util.js';
import type { OAuthClient } from './oauth-client.js';
import { StaticClientOptions } from './static-client.options.js';
import { validateClientRegistration } from './validate-client-registration.js';

/** Static clients are trusted configuration: every grant and method is available to them. */
const STATIC_POLICY: ClientRegistrationPolicy = {
  allowLocalhost: true,
  allowClientCredentials: true,
  allowPrivateKeyJwt: true,
};

/**
 * Validates the `staticClients` option, adding one line per problem (`<path>[i].<option>: …`):
 * the schema of {@link StaticClientOptions}, the redirect URI and grant rules of dynamic
 * registration, secrets consistent with the auth method, and unique client ids.
 */
export function validateStaticClientOptions(
  path: string,
  clients: readonly StaticClientOptions[] | undefined,
  problems: string[],
): void {
  if (clients === undefined) return;
  if (!Array.isArray(clients)) {
    problems.push(`${path}: must be an array`);
    return;
  }
  const seen = new Set<string>();
  clients.forEach((options, i) => {
    const at = indexPath(path, i);
    const before = problems.length;
    if (!validateSection(at, StaticClientOptions, options, problems) || problems.length > before) return;
    if (seen.has(options.clientId)) problems.push(`${at}.clientId: ${options.clientId} is used by another client`);
    seen.add(options.clientId);
    try {
      staticClient(options);
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`);
    }
  });
}

/**
 * The static clients as {@link OAuthClient} records (`source: 'static'`), by client id.
 * @throws TypeError for an invalid entry (validate with {@link validateStaticClientOptions}).
 */
export function buildStaticClients(clients: readonly StaticClientOptions[] = []): ReadonlyMap<string, OAuthClient> {
  const map = new Map<string, OAuthClient>();
  for (const options of clients) map.set(options.clientId, staticClient(options));
  return map;
}

function staticClient(options: StaticClientOptions): OAuthClient {
  const hasSecret = options.clientSecret !== undefined || options.clientSecretHash !== undefined;
  if (options.clientSecret !== undefined && options.clientSecretHash !== undefined) {
    throw new TypeError('give clientSecret or clientSecretHash, not both');
  }
  let metadata;
  try {
    metadata = validateClientRegistration(
      {
        redirect_uris: options.redirectUris,
        grant_types: options.grantTypes,
        token_endpoint_auth_method: options.tokenEndpointAuthMethod,
        application_type: options.applicationType,
        client_name: options.clientName,
        scope: options.scope,
        jwks: options.jwks,
        jwks_uri: options.jwksUri,
      },
      STATIC_POLICY,
      { defaultTokenEndpointAuthMethod: hasSecret ? 'client_secret_basic' : 'none' },
    );
  } catch (error) {
    if (error instanceof OAuthEndpointError) throw new TypeError(toOptionNames(error.message), { cause: error });
    throw error;
  }
  const method = metadata.tokenEndpointAuthMethod;
  const confidential = method === 'client_secret_basic' || method === 'client_secret_post';
  if (confidential && !hasSecret)
    throw new TypeError(`tokenEndpointAuthMethod ${method} needs clientSecret or clientSecretHash`);
  if (!confidential && hasSecret) throw new TypeError(`tokenEndpointAuthMethod ${method} takes no client secret`);
  return {
    ...metadata,
    clientId: options.clientId,
    source: 'static',
    clientIdIssuedAt: 0,
    ...(hasSecret && {
      clientSecretHash: options.clientSecretHash ?? hashClientSecret(options.clientSecret!),
      clientSecretExpiresAt: 0,
    }),
  };
}

/** Rewrites RFC 7591 member names in a message to the option names of {@link StaticClientOptions}. */
function toOptionNames(message: string): string {
  const names: Record<string, string> = {
    redirect_uris: 'redirectUris',
    grant_types: 'grantTypes',
    response_types: 'grantTypes',
    token_endpoint_auth_method: 'tokenEndpointAuthMethod',
    application_type: 'applicationType',
    client_name: 'clientName',
    jwks_uri: 'jwksUri',
  };
  return message.replace(
    /\b(redirect_uris|grant_types|response_types|token_endpoint_auth_method|application_type|client_name|jwks_uri)\b/g,
    (m) => names[m]!,
  );
}

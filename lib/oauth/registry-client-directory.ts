import type { Request } from 'express';
import type { ClientDirectory } from './client-directory.js';
import { extractClientCredentials } from './clients/client-credentials.util.js';
import { toClientRegistrationResponse } from './clients/client-registration-response.js';
import type { ClientRegistry } from './clients/client-registry.service.js';
import type { OAuthClient } from './clients/oauth-client.js';
import { matchRedirectUri } from './clients/redirect-uri-matching.util.js';
import { validateClientRegistration } from './clients/validate-client-registration.js';
import { OAuthEndpointError, invalidClientMetadata } from './oauth.errors.js';

/**
 * The endpoints' view of the {@link ClientRegistry}: lookups (static, metadata-document and
 * dynamic clients), redirect URI matching, client authentication and registration.
 */
export class RegistryClientDirectory implements ClientDirectory {
  constructor(private readonly registry: ClientRegistry) {}

  async find(clientId: string): Promise<OAuthClient | undefined> {
    try {
      const client = await this.registry.find(clientId);
      if (client) await this.registry.touch(client).catch(() => undefined);
      return client;
    } catch (error) {
      // A refused or unreachable client metadata document: the client is unknown here.
      if (error instanceof OAuthEndpointError && error.error === 'invalid_client') return undefined;
      throw error;
    }
  }

  redirectUriAllowed(client: OAuthClient, requested: string): boolean {
    return matchRedirectUri(client, requested) !== undefined;
  }

  async authenticate(params: Record<string, unknown>, request: Request): Promise<OAuthClient> {
    const credentials = extractClientCredentials({ authorization: request.headers.authorization, body: params });
    return this.registry.authenticateCredentials(credentials);
  }

  async register(body: unknown, request: Request): Promise<Record<string, unknown>> {
    await this.registry.admitRegistration(request.ip ?? request.socket.remoteAddress ?? 'unknown');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidClientMetadata('The body must be a JSON object of client metadata');
    }
    // RFC 7591 §2: an omitted token_endpoint_auth_method means client_secret_basic.
    const metadata = validateClientRegistration(body, this.registry.policy);
    const { client, clientSecret } = await this.registry.register(metadata);
    return { ...toClientRegistrationResponse(client, clientSecret) };
  }
}

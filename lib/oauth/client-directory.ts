import type { Request } from 'express';
import type { OAuthClient } from './clients/oauth-client.js';

/** DI token of the {@link ClientDirectory}. */
export const MCP_AUTH_CLIENTS = Symbol('MCP_AUTH:CLIENTS');

/**
 * What the endpoints need from client registration (implemented on top of the client registry:
 * static clients, dynamic registrations and client ID metadata documents).
 */
export interface ClientDirectory {
  /** A client by id; `undefined` when unknown or expired (→ `invalid_client`, clients re-register). */
  find(clientId: string): Promise<OAuthClient | undefined>;
  /** Whether a requested redirect URI matches one the client registered (loopback: any port). */
  redirectUriAllowed(client: OAuthClient, requested: string): boolean;
  /**
   * Authenticates the client of a back-channel request from its form parameters and
   * `Authorization` header (`none`, `client_secret_basic`, `client_secret_post`).
   * @throws OAuthEndpointError `invalid_client` (401) or `invalid_request`.
   */
  authenticate(params: Record<string, unknown>, request: Request): Promise<OAuthClient>;
  /**
   * Registers a client (RFC 7591) from a request body.
   * @returns the RFC 7591 response body (201).
   * @throws OAuthEndpointError `invalid_client_metadata`, `invalid_redirect_uri`, 429, 404 when disabled.
   */
  register(body: unknown, request: Request): Promise<Record<string, unknown>>;
}

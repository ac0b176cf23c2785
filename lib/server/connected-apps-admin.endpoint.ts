import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { buildBearerChallenge } from '../core/www-authenticate.js';
import { extractBearerToken } from '../core/bearer-token.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { sendJson, toHttpError } from '../oauth/endpoints/endpoint-responses.js';
import { ConnectedAppsService } from '../oauth/grants/connected-apps.service.js';
import { OwnTokenVerifier } from '../oauth/tokens/own-token.verifier.js';
import type { McpAccessToken } from '../core/access-token.js';
import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import { MissingTokenError } from '../core/errors/token.errors.js';

/** Defaults of `server.adminRoutes`. */
export const ADMIN_ROUTE_DEFAULTS = { path: '/mcp-auth/admin', scope: 'mcp-auth:admin' } as const;

/** `{base}/users/{subject}/grants[/{grantId}]`, with percent-encoded segments. */
const ROUTE = /^\/users\/([^/]+)\/grants(?:\/([^/]+))?\/?$/;

/**
 * Level 4 admin routes over {@link ConnectedAppsService} (off unless `server.adminRoutes` is set):
 * - `GET {base}/users/{subject}/grants` → `200 { grants: ConnectedApp[] }`;
 * - `DELETE {base}/users/{subject}/grants/{grantId}` → `204`, or `404` when that user has no
 *   such grant;
 * - `DELETE {base}/users/{subject}/grants[?client_id=…]` → `200 { revoked: n }`.
 *
 * Callers present an access token issued by this server that carries the reserved admin scope
 * (only `client_credentials` of a pre-registered client can obtain it). Missing or bad token →
 * 401 with a Bearer challenge; lacking the scope → 403 `insufficient_scope`. Answers are
 * `no-store` and never cross-origin readable (no CORS headers).
 */
@Injectable()
export class ConnectedAppsAdminEndpoint implements NestMiddleware {
  private readonly base: string;
  private readonly scope: string;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) options: ResolvedMcpAuthOptions,
    private readonly connectedApps: ConnectedAppsService,
    private readonly ownTokens: OwnTokenVerifier,
  ) {
    this.base = options.server?.adminRoutes?.path ?? ADMIN_ROUTE_DEFAULTS.path;
    this.scope = options.server?.adminRoutes?.scope ?? ADMIN_ROUTE_DEFAULTS.scope;
  }

  async use(request: Request, response: Response): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    try {
      if (!(await this.authorized(request, response))) return;
      const path = new URL(request.originalUrl, 'http://localhost').pathname;
      const match = path.startsWith(this.base) ? ROUTE.exec(path.slice(this.base.length)) : null;
      const subject = match ? decodeSegment(match[1]) : null;
      const grantId = match?.[2] === undefined ? undefined : decodeSegment(match[2]);
      if (subject === null || grantId === null) {
        return sendJson(response, 404, { error: 'not_found', error_description: 'No such admin route' });
      }
      if (request.method === 'GET' && grantId === undefined) {
        return sendJson(response, 200, { grants: await this.connectedApps.list(subject) });
      }
      if (request.method === 'DELETE' && grantId !== undefined) {
        if (await this.connectedApps.revoke(subject, grantId)) return void response.status(204).end();
        return sendJson(response, 404, { error: 'not_found', error_description: 'This user has no such grant' });
      }
      if (request.method === 'DELETE') {
        const clientId = typeof request.query.client_id === 'string' ? request.query.client_id : undefined;
        return sendJson(response, 200, { revoked: await this.connectedApps.revokeAll(subject, clientId) });
      }
      sendJson(
        response,
        405,
        { error: 'invalid_request', error_description: 'Method not allowed' },
        { Allow: grantId === undefined ? 'GET, DELETE' : 'DELETE' },
      );
    } catch (error) {
      const failure = toHttpError(error);
      sendJson(
        response,
        failure.status,
        { error: failure.error ?? 'server_error', error_description: failure.description },
        failure.status === 503 ? { 'Retry-After': '5' } : {},
      );
    }
  }

  /** Verifies the bearer token and the admin scope; answers 401/403 itself when they fail. */
  private async authorized(request: Request, response: Response): Promise<boolean> {
    let verified: McpAccessToken | undefined;
    let presented = true;
    try {
      verified = await this.ownTokens.verify(extractBearerToken(request.headers.authorization));
    } catch (error) {
      // Storage down: 503 from the caller's catch, never a 401 that reads as "bad token".
      if (error instanceof McpAuthHttpError && error.status >= 500) throw error;
      presented = !(error instanceof MissingTokenError);
    }
    if (!verified) {
      const challenge = buildBearerChallenge({
        error: presented ? 'invalid_token' : undefined,
        errorDescription: presented ? 'The access token is invalid, expired or revoked' : undefined,
        scopes: [this.scope],
      });
      sendJson(response, 401, presented ? { error: 'invalid_token' } : {}, { 'WWW-Authenticate': challenge });
      return false;
    }
    if (!verified.scopes.includes(this.scope)) {
      const challenge = buildBearerChallenge({ error: 'insufficient_scope', scopes: [this.scope] });
      sendJson(response, 403, { error: 'insufficient_scope' }, { 'WWW-Authenticate': challenge });
      return false;
    }
    return true;
  }
}

/** A decoded path segment; `null` when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

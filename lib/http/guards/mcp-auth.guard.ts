import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { McpAccessToken } from '../../core/access-token.js';
import { extractBearerToken } from '../../core/bearer-token.js';
import { InsufficientScopeError } from '../../core/errors/token.errors.js';
import type { ResolvedMcpAuthOptions } from '../../core/options/resolved-options.js';
import { hasScopes } from '../../core/scopes.js';
import { MCP_TOKEN_VERIFIER, type McpTokenVerifier } from '../../core/token-verifier.js';
import {
  MCP_ACCESS_TOKEN_PROPERTY,
  MCP_AUTH_RESOLVED_OPTIONS,
  MCP_PROTECTED_METADATA,
  MCP_PUBLIC_METADATA,
} from '../../mcp-auth.constants.js';
import { authErrorResponse } from '../auth-error-response.js';
import type { McpProtectedOptions } from '../decorators/mcp-protected.decorator.js';
import { accessTokenOf } from '../decorators/current-token.decorator.js';

/**
 * Verifies the bearer token of HTTP requests and enforces scopes. Applied by `@McpProtected()`,
 * or to every route with the module's `globalGuard: true` (routes marked `@McpPublic()` stay
 * open). The verified token is stored on the request as `request.mcpAccessToken`.
 *
 * Only HTTP execution contexts are checked; other transports (microservices, websockets) pass.
 *
 * @publicApi
 */
@Injectable()
export class McpAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    @Inject(MCP_TOKEN_VERIFIER) private readonly verifier: McpTokenVerifier,
  ) {}

  /**
   * @throws HttpException 401 (no or invalid token), 403 (missing scopes) or 503 (verifier
   *   dependency down), with `WWW-Authenticate` / `Retry-After` already set on the response.
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(MCP_PUBLIC_METADATA, targets)) return true;
    const request = this.getRequest(context);
    const requiredScopes = this.requiredScopes(context);
    let token = accessTokenOf(request);
    try {
      token ??= await this.authenticate(request);
      this.authorize(token, requiredScopes);
      return true;
    } catch (error) {
      throw authErrorResponse(error, context.switchToHttp().getResponse<Response>(), this.options, {
        requiredScopes,
        token,
      });
    }
  }

  /** Scopes of the module, the controller and the handler, all required. */
  requiredScopes(context: ExecutionContext): string[] {
    const declared = this.reflector
      .getAll<Array<McpProtectedOptions | undefined>>(MCP_PROTECTED_METADATA, [
        context.getClass(),
        context.getHandler(),
      ])
      .flatMap((meta) => meta?.scopes ?? []);
    return [...new Set([...this.options.requiredScopes, ...declared])];
  }

  /** The HTTP request; override to support other adapters. */
  protected getRequest(context: ExecutionContext): Request {
    return context.switchToHttp().getRequest<Request>();
  }

  /**
   * Extracts and verifies the bearer token, and stores it on the request.
   * @throws McpAuthHttpError subclasses (missing, invalid, unavailable).
   */
  protected async authenticate(request: Request): Promise<McpAccessToken> {
    const token = await this.verifier.verify(extractBearerToken(request.headers.authorization));
    (request as unknown as Record<string, McpAccessToken>)[MCP_ACCESS_TOKEN_PROPERTY] = token;
    return token;
  }

  /**
   * @throws InsufficientScopeError naming every required scope when any is missing.
   */
  protected authorize(token: McpAccessToken, requiredScopes: readonly string[]): void {
    if (!hasScopes(token.scopes, requiredScopes, this.options.impliedScopes)) {
      throw new InsufficientScopeError(requiredScopes);
    }
  }
}

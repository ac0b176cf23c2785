import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { MCP_AUTH_CLIENTS, type ClientDirectory } from '../client-directory.js';
import { answeredUnlessPost, sendJson, sendOAuthError } from './endpoint-responses.js';

/**
 * `POST /register` (RFC 7591): JSON bodies only (415 otherwise, D-06), answered `201` with the
 * full registered metadata (MCP SDK clients require `client_id` and `redirect_uris` in it) and
 * `Cache-Control: no-store`. Validation, rate limiting and the switch that disables dynamic
 * registration live in the client directory. CORS allows browser-based clients.
 */
@Injectable()
export class RegistrationEndpoint implements NestMiddleware {
  constructor(@Inject(MCP_AUTH_CLIENTS) private readonly clients: ClientDirectory) {}

  async use(request: Request, response: Response): Promise<void> {
    if (answeredUnlessPost(request, response)) return;
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      return sendJson(response, 415, {
        error: 'invalid_client_metadata',
        error_description: 'Client metadata must be sent as application/json',
      });
    }
    try {
      sendJson(response, 201, await this.clients.register(request.body, request));
    } catch (error) {
      sendOAuthError(response, error);
    }
  }
}

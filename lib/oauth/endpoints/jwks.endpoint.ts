import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SigningKeySet } from '../../keys/signing-key-set.js';
import { applyPublicCors, sendJson } from './endpoint-responses.js';

/**
 * `GET /jwks`: the public keys that verify this server's access tokens (public members only,
 * M-10), including keys published ahead of use and retired keys whose tokens may still be
 * valid (AS-03). Cacheable for five minutes; readable cross-origin.
 */
@Injectable()
export class JwksEndpoint implements NestMiddleware {
  constructor(private readonly keys: SigningKeySet) {}

  use(request: Request, response: Response): void {
    if (applyPublicCors(request, response, 'GET, OPTIONS')) return;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendJson(
        response,
        405,
        { error: 'invalid_request', error_description: 'Use GET' },
        { Allow: 'GET, HEAD, OPTIONS' },
      );
    }
    sendJson(response, 200, this.keys.publicJwks(), { 'Cache-Control': 'public, max-age=300', Pragma: '' });
  }
}

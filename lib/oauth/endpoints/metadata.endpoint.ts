import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SigningKeySet } from '../../keys/signing-key-set.js';
import type { AuthorizationServerSettings } from '../authorization-server.settings.js';
import { MCP_AUTH_AS_SETTINGS } from '../authorization-server.tokens.js';
import {
  buildAuthorizationServerMetadata,
  buildOpenIdDiscoveryAlias,
} from '../metadata/authorization-server-metadata.js';
import { applyPublicCors, sendJson } from './endpoint-responses.js';

/** `GET /.well-known/oauth-authorization-server{issuer path}` (RFC 8414), cacheable, CORS. */
@Injectable()
export class AuthorizationServerMetadataEndpoint implements NestMiddleware {
  private document: string | undefined;

  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    private readonly keys: SigningKeySet,
  ) {}

  use(request: Request, response: Response): void {
    // Built on first use: the scope list needs the application's tools, discovered after start-up.
    this.document ??= JSON.stringify(buildAuthorizationServerMetadata(this.settings, this.keys.algorithms));
    serveDocument(request, response, this.document);
  }
}

/** The OpenID Connect discovery aliases of the same document. */
@Injectable()
export class OpenIdDiscoveryEndpoint implements NestMiddleware {
  private document: string | undefined;

  constructor(
    @Inject(MCP_AUTH_AS_SETTINGS) private readonly settings: AuthorizationServerSettings,
    private readonly keys: SigningKeySet,
  ) {}

  use(request: Request, response: Response): void {
    this.document ??= JSON.stringify(
      buildOpenIdDiscoveryAlias(buildAuthorizationServerMetadata(this.settings, this.keys.algorithms)),
    );
    serveDocument(request, response, this.document);
  }
}

function serveDocument(request: Request, response: Response, document: string): void {
  if (applyPublicCors(request, response, 'GET, OPTIONS')) return;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(
      response,
      405,
      { error: 'method_not_allowed', error_description: 'Metadata is read-only' },
      { Allow: 'GET, HEAD, OPTIONS' },
    );
    return;
  }
  response.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(document),
    'Cache-Control': 'public, max-age=3600',
  });
  response.end(document);
}

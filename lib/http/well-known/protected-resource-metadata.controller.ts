import { All, Controller, Get, Header, HttpCode, Inject, Options, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ResolvedMcpAuthOptions } from '../../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../../mcp-auth.constants.js';
import { McpPublic } from '../decorators/mcp-public.decorator.js';
import { buildProtectedResourceMetadata } from './protected-resource-metadata.js';

const ROOT = '/.well-known/oauth-protected-resource';

/**
 * Serves RFC 9728 protected-resource metadata at both places clients look: the path-suffixed
 * URL (`/.well-known/oauth-protected-resource/mcp` for `https://host/mcp`) and the root URL.
 * Any other path under the prefix is a JSON 404, never an HTML page (interop pitfall P3).
 *
 * The document is public, cacheable and readable cross-origin (browser-based MCP clients), and
 * is only served when authorization servers are configured.
 */
@McpPublic()
@Controller()
export class ProtectedResourceMetadataController {
  private readonly body: string | undefined;
  private readonly paths: ReadonlySet<string>;

  constructor(@Inject(MCP_AUTH_RESOLVED_OPTIONS) options: ResolvedMcpAuthOptions) {
    this.body =
      options.authorizationServers.length > 0 ? JSON.stringify(buildProtectedResourceMetadata(options)) : undefined;
    this.paths = new Set([ROOT, options.resourceMetadataPath]);
  }

  @Get([ROOT, `${ROOT}/*path`])
  serve(@Req() request: Request, @Res() response: Response): void {
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (this.body === undefined || !this.paths.has(request.path.replace(/\/+$/, '') || '/')) {
      response.status(404).setHeader('Cache-Control', 'no-store');
      response.json({ error: 'not_found', error_description: 'No protected resource metadata at this URL' });
      return;
    }
    response.setHeader('Cache-Control', 'public, max-age=3600');
    response.setHeader('Content-Type', 'application/json');
    response.status(200).send(this.body);
  }

  @Options([ROOT, `${ROOT}/*path`])
  @HttpCode(204)
  @Header('Access-Control-Allow-Origin', '*')
  @Header('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
  @Header('Access-Control-Allow-Headers', 'Content-Type, MCP-Protocol-Version')
  @Header('Access-Control-Max-Age', '86400')
  preflight(): void {}

  @All([ROOT, `${ROOT}/*path`])
  @HttpCode(405)
  @Header('Allow', 'GET, HEAD, OPTIONS')
  @Header('Cache-Control', 'no-store')
  methodNotAllowed(): Record<string, string> {
    return { error: 'method_not_allowed', error_description: 'Metadata is read-only' };
  }
}

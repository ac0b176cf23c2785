import { All, Controller, Get, Header, HttpCode, Inject, Options, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ResolvedMcpAuthOptions } from '../../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../../mcp-auth.constants.js';
import { MetadataMirror } from '../../remote/metadata-mirror.service.js';
import { McpPublic } from '../decorators/mcp-public.decorator.js';

const ROOT = '/.well-known/oauth-authorization-server';

/**
 * RFC 8414 authorization-server metadata on this origin. With level 2 it is the mirror of the
 * remote authorization server's document, served at the root location and under the MCP path
 * (clients that build the URL from the MCP URL look there, interop pitfall P1). Elsewhere, and
 * when nothing is configured, a JSON 404.
 */
@McpPublic()
@Controller()
export class AuthorizationServerMetadataController {
  private readonly paths: ReadonlySet<string>;

  constructor(
    private readonly mirror: MetadataMirror,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) options: ResolvedMcpAuthOptions,
  ) {
    const mcpPath = new URL(options.resourceUrl).pathname.replace(/\/+$/, '');
    this.paths = new Set([ROOT, `${ROOT}${mcpPath}`]);
  }

  @Get([ROOT, `${ROOT}/*path`])
  async serve(@Req() request: Request, @Res() response: Response): Promise<void> {
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Content-Type', 'application/json');
    const answer = this.paths.has(request.path.replace(/\/+$/, '')) ? await this.mirror.current() : undefined;
    if (answer === undefined || answer.status !== 200) {
      response.setHeader('Cache-Control', 'no-store');
      if (answer?.status === 503) response.setHeader('Retry-After', '30');
      response.status(answer?.status ?? 404).send(answer?.body ?? NOT_FOUND);
      return;
    }
    response.setHeader('Cache-Control', `public, max-age=${answer.maxAgeSeconds}`);
    response.status(200).send(answer.body);
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

const NOT_FOUND = JSON.stringify({ error: 'not_found', error_description: 'No authorization server metadata here' });

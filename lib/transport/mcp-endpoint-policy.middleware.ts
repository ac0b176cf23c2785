import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { OriginPolicy, ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { isLoopbackUrl } from '../core/resource-url.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';

const EXPOSED_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version';
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Accept, Mcp-Protocol-Version, Mcp-Session-Id, Last-Event-ID, Mcp-Method, Mcp-Name';

/**
 * Runs before routing and guards on the MCP endpoint:
 * - DNS-rebinding defence: a `Host` outside `mcp.allowedHosts` or an `Origin` outside
 *   `mcp.allowedOrigins` gets 403 (MCP transports: invalid Origin MUST be 403);
 * - CORS for browser-based clients, including on 401 answers: allowed origins are echoed (never
 *   with credentials) and `WWW-Authenticate` is exposed, or browsers hide the challenge;
 * - answers CORS preflights itself, so they never reach the auth guard.
 */
@Injectable()
export class McpEndpointPolicyMiddleware implements NestMiddleware {
  private readonly allowedHosts: ReadonlySet<string> | undefined;
  private readonly origins: OriginPolicy;

  constructor(@Inject(MCP_AUTH_RESOLVED_OPTIONS) options: ResolvedMcpAuthOptions) {
    this.allowedHosts = options.mcp.allowedHosts;
    this.origins = options.mcp.allowedOrigins;
  }

  use(request: Request, response: Response, next: NextFunction): void {
    if (this.allowedHosts && !this.allowedHosts.has(hostnameOf(request.headers.host))) {
      return forbidden(response, 'Forbidden: Host header not allowed');
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!this.isAllowedOrigin(origin)) return forbidden(response, 'Forbidden: Origin not allowed');
      response.setHeader('Access-Control-Allow-Origin', this.origins.any ? '*' : origin);
      response.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, GET, DELETE, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '86400',
      });
      response.end();
      return;
    }
    next();
  }

  private isAllowedOrigin(origin: string): boolean {
    const policy = this.origins;
    if (policy.any) return true;
    if (policy.exact.has(origin)) return true;
    if (!policy.loopbackAnyPort) return false;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackUrl(url);
    } catch {
      return false;
    }
  }
}

/** Host header → lowercase host name without port (`[::1]:3000` → `[::1]`). */
function hostnameOf(host: string | undefined): string {
  if (!host) return '';
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.indexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function forbidden(response: Response, message: string): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  response.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

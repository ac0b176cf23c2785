import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  discoverAuthorizationServerMetadata,
  type DiscoveredMetadata,
} from '../core/authorization-server-discovery.js';
import { MCP_AUTH_CLOCK, type McpAuthClock } from '../core/clock.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';

/** A metadata answer: the document, or why there is none. */
export type MetadataAnswer =
  | { readonly status: 200; readonly body: string; readonly maxAgeSeconds: number }
  | { readonly status: 404 | 503; readonly body: string };

/** Keep serving the last good document this long while the authorization server is down. */
const STALE_IF_ERROR_MS = 24 * 60 * 60 * 1000;

/**
 * Level 2's optional copy of the remote authorization server's metadata, for clients that look
 * for it on the MCP server's origin (2025-03-26 discovery). The document is fetched the way MCP
 * clients fetch it (RFC 8414, then OpenID Connect discovery; its `issuer` must match exactly),
 * cached, fetched once for all concurrent requests, and kept while the server is unreachable.
 * Without any good copy the answer is a JSON 503, never an HTML page or a 500.
 */
@Injectable()
export class MetadataMirror {
  private readonly logger = new Logger('McpAuth');
  private cached: { document: DiscoveredMetadata; fetchedAt: number } | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
    @Inject(MCP_AUTH_CLOCK) private readonly clock: McpAuthClock,
  ) {}

  get enabled(): boolean {
    return this.options.metadataMirror !== undefined;
  }

  async current(): Promise<MetadataAnswer> {
    const mirror = this.options.metadataMirror;
    if (!mirror) return { status: 404, body: notFound };
    const age = this.cached ? this.clock.now() - this.cached.fetchedAt : Infinity;
    if (age >= mirror.cacheSeconds * 1000) {
      this.pending ??= this.refresh(mirror).finally(() => (this.pending = undefined));
      await this.pending;
    }
    const fresh = this.cached ? this.clock.now() - this.cached.fetchedAt : Infinity;
    if (this.cached && fresh < STALE_IF_ERROR_MS) {
      return { status: 200, body: this.cached.document.text, maxAgeSeconds: mirror.cacheSeconds };
    }
    return { status: 503, body: unavailable };
  }

  private async refresh(mirror: NonNullable<ResolvedMcpAuthOptions['metadataMirror']>): Promise<void> {
    try {
      const document = await discoverAuthorizationServerMetadata(mirror.issuer, { timeoutMs: mirror.timeoutMs });
      this.cached = { document, fetchedAt: this.clock.now() };
    } catch (error) {
      this.logger.warn(
        `Authorization server metadata unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

const notFound = JSON.stringify({ error: 'not_found', error_description: 'No authorization server metadata here' });
const unavailable = JSON.stringify({
  error: 'temporarily_unavailable',
  error_description: 'The authorization server metadata cannot be fetched right now',
});

import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { createMcpHandler, McpServer, type AuthInfo, type ServerContext } from '@modelcontextprotocol/server';
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { MultiplexingTransport } from './multiplexing.transport.js';
import { ToolRegistry, type HttpExchange, type ToolDefinition } from './tool-registry.service.js';
import { hasScopes } from '../core/scopes.js';

/** Key of `AuthInfo.extra` that carries the HTTP exchange to tool handlers. */
export const HTTP_EXCHANGE_KEY = 'nestjs-mcp-auth/http-exchange';

/**
 * Owns the MCP servers built from the discovered tools:
 * - `serving`: one long-lived server behind a {@link MultiplexingTransport}, for every
 *   2025-era request except `initialize` and `logging/setLevel`;
 * - `handshake`: a second instance that answers those two, the only requests that write
 *   per-client state, so the serving instance never holds any;
 * - `modern`: the SDK's own per-request handler for 2026-07-28 requests, whose per-request
 *   envelope the SDK only supports on fresh instances.
 */
@Injectable()
export class McpServerHost implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('McpAuth');
  readonly serving = new MultiplexingTransport();
  readonly handshake = new MultiplexingTransport();
  private servers: McpServer[] = [];
  private modernHandler: NodeMcpRequestHandler | undefined;

  constructor(
    private readonly registry: ToolRegistry,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registry.onModuleInit();
    const onerror = (error: Error) => this.logger.error(`MCP transport error: ${error.message}`);
    this.serving.onerror = onerror;
    this.handshake.onerror = onerror;
    this.servers = [this.buildServer(), this.buildServer()];
    await this.servers[0].connect(this.serving);
    await this.servers[1].connect(this.handshake);
    // The body arrives parsed by the application's body parser, whose size limit applies.
    // Per-request servers list only the tools the caller's scopes allow.
    const perCaller = (context: { authInfo?: AuthInfo }) =>
      this.buildServer((tool) =>
        hasScopes(context.authInfo?.scopes ?? [], tool.requiredScopes, this.options.impliedScopes),
      );
    this.modernHandler = toNodeHandler(createMcpHandler(perCaller, { legacy: 'reject', onerror }), { onerror });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.close()));
  }

  /** The SDK handler for 2026-07-28 (per-request envelope) traffic. */
  get modern(): NodeMcpRequestHandler {
    if (!this.modernHandler) throw new Error('MCP server host is not initialised');
    return this.modernHandler;
  }

  private buildServer(include: (tool: ToolDefinition) => boolean = () => true): McpServer {
    const { serverInfo, instructions } = this.options.mcp;
    // Tools log through `mcpReq.log`, which the SDK drops unless `logging` is declared. A 2026-07-28
    // request carries its own log level; 2025-era traffic is stateless here, so `logging/setLevel`
    // is accepted by the handshake instance but cannot be remembered per client: every level is sent.
    const server = new McpServer(serverInfo, {
      capabilities: { logging: {} },
      ...(instructions ? { instructions } : {}),
    });
    for (const tool of this.registry.list().filter(include)) {
      server.registerTool(tool.name, tool.config, (async (args: Record<string, unknown>, context: ServerContext) => {
        const exchange = context.http?.authInfo?.extra?.[HTTP_EXCHANGE_KEY] as HttpExchange | undefined;
        if (exchange === undefined) throw new Error('MCP tool called outside an HTTP exchange');
        return tool.invoke(args ?? {}, context, exchange);
      }) as never);
    }
    return server;
  }
}

/** The SDK `AuthInfo` for a request: the verified token plus the HTTP exchange for tools. */
export function sdkAuthInfo(
  token:
    | { token: string; clientId: string; scopes: readonly string[]; expiresAt: number; resource?: string; sub: string }
    | undefined,
  exchange: HttpExchange,
): AuthInfo {
  return {
    token: token?.token ?? '',
    clientId: token?.clientId ?? '',
    scopes: token ? [...token.scopes] : [],
    expiresAt: token?.expiresAt,
    resource: token?.resource ? new URL(token.resource) : undefined,
    extra: { sub: token?.sub, [HTTP_EXCHANGE_KEY]: exchange },
  };
}

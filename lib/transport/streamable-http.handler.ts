import { Inject, Injectable } from '@nestjs/common';
import {
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  isJsonContentType,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import type { McpAccessToken } from '../core/access-token.js';
import { InsufficientScopeError } from '../core/errors/token.errors.js';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { hasScopes } from '../core/scopes.js';
import { authErrorResponse } from '../http/auth-error-response.js';
import { accessTokenOf } from '../http/decorators/current-token.decorator.js';
import { MCP_AUTH_RESOLVED_OPTIONS } from '../mcp-auth.constants.js';
import { McpServerHost, sdkAuthInfo } from './mcp-server-host.service.js';
import type { MultiplexingTransport } from './multiplexing.transport.js';
import { ToolRegistry, type ToolDefinition } from './tool-registry.service.js';

/** First protocol revision whose requests carry their own envelope instead of a session. */
const FIRST_MODERN_VERSION = '2026-07-28';
const MAX_BATCH = 100;

/**
 * Serves MCP Streamable HTTP statelessly for an already-authenticated request:
 * - POST only (GET and DELETE answer 405: there are no sessions to stream or end);
 * - 2026-07-28 requests go to the SDK's per-request handler, 2025-era requests to the shared
 *   server through {@link MultiplexingTransport};
 * - `tools/call` for a tool whose scopes the token lacks answers HTTP 403
 *   `insufficient_scope` before anything runs, and `tools/list` hides such tools;
 * - the answer is plain JSON, upgraded to server-sent events only when the tool sends
 *   progress or log notifications before its result.
 */
@Injectable()
export class StreamableHttpHandler {
  private toolsByName: ReadonlyMap<string, ToolDefinition> | undefined;

  constructor(
    private readonly host: McpServerHost,
    private readonly registry: ToolRegistry,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
  ) {}

  async handle(request: Request, response: Response): Promise<void> {
    if (request.method !== 'POST') {
      return writeJson(
        response,
        405,
        rpcError(-32000, 'Method not allowed: this stateless MCP endpoint accepts POST only'),
        {
          allow: 'POST, OPTIONS',
        },
      );
    }
    if (!isJsonContentType(request.headers['content-type'])) {
      return writeJson(
        response,
        415,
        rpcError(-32000, 'Unsupported Media Type: Content-Type must be application/json'),
      );
    }
    const body: unknown = request.body;
    if (body === null || typeof body !== 'object')
      return writeJson(response, 400, rpcError(-32700, 'Parse error: invalid JSON'));
    const batch = Array.isArray(body);
    const messages = (batch ? body : [body]) as unknown[];
    if (messages.length === 0 || messages.length > MAX_BATCH || !messages.every(isJsonRpcMessage)) {
      return writeJson(response, 400, rpcError(-32600, 'Invalid Request: not a JSON-RPC 2.0 message'));
    }
    const requests = (messages as JSONRPCMessage[]).filter(isRequest);
    const token = accessTokenOf(request);
    this.authorizeToolCalls(requests, token, response);
    const versionHeader = request.headers['mcp-protocol-version'];
    if (isModern(body, versionHeader)) {
      (request as Request & { auth?: unknown }).auth = sdkAuthInfo(token, { request, response });
      return this.host.modern(request as never, response, body);
    }
    const accept = acceptedTypes(request.headers.accept);
    if (!accept.json && !accept.sse) {
      return writeJson(response, 406, rpcError(-32000, 'Not Acceptable: accept application/json or text/event-stream'));
    }
    if (typeof versionHeader === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(versionHeader)) {
      return writeJson(response, 400, rpcError(-32000, `Bad Request: unsupported protocol version ${versionHeader}`));
    }
    if (requests.length === 0) {
      // Notifications and client responses need no answer (and client cancellations cannot be
      // matched to a request of this stateless server).
      response.writeHead(202).end();
      return;
    }
    await this.dispatch(requests, batch, token, accept.json, request, response);
  }

  /** @throws HttpException 403 `insufficient_scope` for the first call of a tool the token may not use. */
  private authorizeToolCalls(requests: JSONRPCRequest[], token: McpAccessToken | undefined, response: Response): void {
    for (const call of requests) {
      if (call.method !== 'tools/call') continue;
      const tool = this.tools().get((call.params as { name?: unknown } | undefined)?.name as string);
      if (tool === undefined || hasScopes(token?.scopes ?? [], tool.requiredScopes, this.options.impliedScopes))
        continue;
      throw authErrorResponse(new InsufficientScopeError(tool.requiredScopes), response, this.options, {
        requiredScopes: tool.requiredScopes,
        token,
      });
    }
  }

  private async dispatch(
    requests: JSONRPCRequest[],
    batch: boolean,
    token: McpAccessToken | undefined,
    acceptsJson: boolean,
    request: Request,
    response: Response,
  ): Promise<void> {
    const authInfo = sdkAuthInfo(token, { request, response });
    let streaming = !acceptsJson;
    let finished = false;
    const startStream = () => {
      if (response.headersSent) return;
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' });
    };
    const onRelated = (message: JSONRPCMessage) => {
      if (finished || response.writableEnded) return;
      streaming = true;
      startStream();
      response.write(sseFrame(message));
    };
    const exchanges = requests.map((call) => {
      const transport = this.transportFor(call);
      return { transport, dispatched: transport.dispatch(call, authInfo, onRelated) };
    });
    response.on('close', () => {
      if (!finished)
        for (const { transport, dispatched } of exchanges)
          transport.cancel(dispatched.internalId, 'client disconnected');
    });
    let answers: JSONRPCResponse[];
    try {
      answers = await Promise.all(exchanges.map(({ dispatched }) => dispatched.response));
    } catch {
      finished = true;
      if (!response.headersSent) writeJson(response, 500, rpcError(-32603, 'Internal error'));
      else response.end();
      return;
    }
    finished = true;
    answers = answers.map((answer, i) =>
      requests[i].method === 'tools/list' ? this.visibleTools(answer, token) : answer,
    );
    if (streaming) {
      startStream();
      for (const answer of answers) response.write(sseFrame(answer));
      response.end();
    } else {
      writeJson(response, 200, batch ? answers : answers[0]);
    }
  }

  /** `initialize` and `logging/setLevel` write per-client state: keep it off the serving instance. */
  private transportFor(call: JSONRPCRequest): MultiplexingTransport {
    return call.method === 'initialize' || call.method === 'logging/setLevel' ? this.host.handshake : this.host.serving;
  }

  /** Removes from a `tools/list` answer the tools the caller's token may not call. */
  private visibleTools(answer: JSONRPCResponse, token: McpAccessToken | undefined): JSONRPCResponse {
    const result = (answer as { result?: { tools?: Array<{ name: string }> } }).result;
    if (!result?.tools) return answer;
    const granted = token?.scopes ?? [];
    const tools = result.tools.filter((listed) => {
      const tool = this.tools().get(listed.name);
      return tool === undefined || hasScopes(granted, tool.requiredScopes, this.options.impliedScopes);
    });
    return { ...answer, result: { ...result, tools } } as JSONRPCResponse;
  }

  private tools(): ReadonlyMap<string, ToolDefinition> {
    this.toolsByName ??= new Map(this.registry.list().map((tool) => [tool.name, tool]));
    return this.toolsByName;
  }
}

function isModern(body: object, versionHeader: string | string[] | undefined): boolean {
  if (typeof versionHeader === 'string' && versionHeader >= FIRST_MODERN_VERSION) return true;
  const first = (Array.isArray(body) ? body[0] : body) as { params?: { _meta?: Record<string, unknown> } } | undefined;
  const meta = first?.params?._meta;
  return meta !== null && typeof meta === 'object' && PROTOCOL_VERSION_META_KEY in meta;
}

function acceptedTypes(accept: string | undefined): { json: boolean; sse: boolean } {
  if (accept === undefined || accept.includes('*/*')) return { json: true, sse: true };
  return { json: accept.includes('application/json'), sse: accept.includes('text/event-stream') };
}

function isJsonRpcMessage(message: unknown): boolean {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return false;
  const { jsonrpc, method, id } = message as { jsonrpc?: unknown; method?: unknown; id?: unknown };
  if (jsonrpc !== '2.0') return false;
  if (typeof method === 'string') return id === undefined || typeof id === 'string' || typeof id === 'number';
  return 'result' in message || 'error' in message;
}

function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

function rpcError(code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

function sseFrame(message: unknown): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

function writeJson(response: Response, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

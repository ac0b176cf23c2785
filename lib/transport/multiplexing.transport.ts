import type {
  AuthInfo,
  JSONRPCMessage,
  JSONRPCRequest,
  JSONRPCResponse,
  Transport,
} from '@modelcontextprotocol/server';

/** One HTTP exchange waiting for the server's answer to one JSON-RPC request. */
interface PendingExchange {
  readonly clientId: JSONRPCRequest['id'];
  readonly resolve: (response: JSONRPCResponse) => void;
  readonly reject: (error: Error) => void;
  readonly onRelated: (message: JSONRPCMessage) => void;
}

/** A request handed to the server, with the promise of its response. */
export interface DispatchedRequest {
  /** Id the server sees; use it to cancel. */
  readonly internalId: number;
  readonly response: Promise<JSONRPCResponse>;
}

/**
 * An SDK `Transport` that lets one long-lived `McpServer` answer many concurrent, stateless HTTP
 * requests. Building a server and a transport per request (the SDK's stateless recipe) costs
 * more than the tool call itself; this transport instead gives each incoming request a
 * process-unique JSON-RPC id, restores the client's id on the response, and routes
 * notifications the server relates to a request (progress, logs) to that request's HTTP
 * response. Everything else the SDK does (validation, dispatch, cancellation, errors) is
 * unchanged.
 *
 * Why it is safe to share one server: every state the SDK keeps per connection is written by
 * `initialize` and `logging/setLevel`, and those are sent to a separate handshake instance, so
 * the serving instance stays exactly as a fresh stateless instance would be. The SDK version is
 * pinned and the official v1/v2 clients are exercised against it in the e2e suite.
 */
export class MultiplexingTransport implements Transport {
  onmessage?: (message: JSONRPCMessage, extra?: { authInfo?: AuthInfo }) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly sessionId = undefined;

  private readonly pending = new Map<number, PendingExchange>();
  private nextId = 0;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    for (const exchange of this.pending.values()) exchange.reject(new Error('MCP server closed'));
    this.pending.clear();
    this.onclose?.();
  }

  /** Called by the SDK for responses and for messages related to a request. */
  async send(message: JSONRPCMessage, options?: { relatedRequestId?: JSONRPCRequest['id'] }): Promise<void> {
    const isResponse = !('method' in message);
    const key = isResponse ? (message as JSONRPCResponse).id : options?.relatedRequestId;
    const exchange = typeof key === 'number' ? this.pending.get(key) : undefined;
    // Unrelated server-initiated traffic has nowhere to go in stateless mode, as with the SDK.
    if (exchange === undefined) return;
    if (isResponse) {
      this.pending.delete(key as number);
      exchange.resolve({ ...(message as JSONRPCResponse), id: exchange.clientId });
    } else {
      exchange.onRelated(message);
    }
  }

  /** Hands one client request to the server. */
  dispatch(
    request: JSONRPCRequest,
    authInfo: AuthInfo | undefined,
    onRelated: (message: JSONRPCMessage) => void,
  ): DispatchedRequest {
    const internalId = ++this.nextId;
    const response = new Promise<JSONRPCResponse>((resolve, reject) => {
      this.pending.set(internalId, { clientId: request.id, resolve, reject, onRelated });
    });
    this.onmessage?.({ ...request, id: internalId }, authInfo ? { authInfo } : undefined);
    return { internalId, response };
  }

  /** The HTTP client went away: cancel through the protocol, which aborts the handler's signal. */
  cancel(internalId: number, reason: string): void {
    const exchange = this.pending.get(internalId);
    if (exchange === undefined) return;
    this.pending.delete(internalId);
    exchange.reject(new Error(reason));
    this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: internalId, reason } });
  }
}

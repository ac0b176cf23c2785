import type { ServerContext } from '@modelcontextprotocol/server';

/** Property of the per-call request view that holds the tool invocation. */
export const MCP_TOOL_INVOCATION = Symbol('MCP_AUTH:TOOL_INVOCATION');

/** What a tool method can receive through parameter decorators. */
export interface ToolInvocation {
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly context: ServerContext;
}

/**
 * The request object a tool method sees: the real HTTP request as prototype (headers, the
 * verified token, anything middleware added) plus this call's invocation. One HTTP request may
 * carry several calls (JSON-RPC batches of 2025-03-26), so the invocation cannot live on the
 * shared request itself.
 */
export function requestViewFor<R extends object>(request: R, invocation: ToolInvocation): R {
  const view = Object.create(request) as R & { [MCP_TOOL_INVOCATION]: ToolInvocation };
  view[MCP_TOOL_INVOCATION] = invocation;
  return view;
}

/** The invocation behind a request view; `undefined` for ordinary HTTP requests. */
export function invocationOf(request: object): ToolInvocation | undefined {
  return (request as { [MCP_TOOL_INVOCATION]?: ToolInvocation })[MCP_TOOL_INVOCATION];
}

import type { ServerContext } from '@modelcontextprotocol/server';
import { invocationOf, MCP_TOOL_INVOCATION, requestViewFor, type ToolInvocation } from './tool-invocation.js';

function invocation(name: string, args: Record<string, unknown> = {}): ToolInvocation {
  return { name, args, context: { name } as unknown as ServerContext };
}

describe('requestViewFor', () => {
  const token = { sub: 'alice' };

  function httpRequest(): Record<string, unknown> {
    return { headers: { authorization: 'Bearer t' }, method: 'POST', mcpAccessToken: token };
  }

  it('inherits everything from the HTTP request', () => {
    const request = httpRequest();
    const view = requestViewFor(request, invocation('echo'));
    expect(Object.getPrototypeOf(view)).toBe(request);
    expect(view.headers).toBe(request.headers);
    expect(view.method).toBe('POST');
    expect(view.mcpAccessToken).toBe(token);
  });

  it('sees later changes to the request', () => {
    const request = httpRequest();
    const view = requestViewFor(request, invocation('echo'));
    request.user = 'set by middleware';
    expect(view.user).toBe('set by middleware');
  });

  it('carries the invocation without putting it on the shared request', () => {
    const request = httpRequest();
    const call = invocation('echo', { text: 'hi' });
    const view = requestViewFor(request, call);
    expect(invocationOf(view)).toBe(call);
    expect(invocationOf(request)).toBeUndefined();
    expect(Object.getOwnPropertySymbols(request)).not.toContain(MCP_TOOL_INVOCATION);
  });

  it('isolates the invocations of several calls on one request (JSON-RPC batches)', () => {
    const request = httpRequest();
    const first = requestViewFor(request, invocation('a', { n: 1 }));
    const second = requestViewFor(request, invocation('b', { n: 2 }));
    expect(invocationOf(first)?.name).toBe('a');
    expect(invocationOf(second)?.name).toBe('b');
    expect(invocationOf(first)?.args).toEqual({ n: 1 });
  });

  it('keeps writes on the view off the request', () => {
    const request = httpRequest();
    const view = requestViewFor(request, invocation('echo'));
    view.method = 'changed';
    expect(request.method).toBe('POST');
  });
});

describe('invocationOf', () => {
  it('is undefined for an ordinary request', () => {
    expect(invocationOf({ headers: {} })).toBeUndefined();
  });
});

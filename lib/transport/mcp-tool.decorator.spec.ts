import { Body, Req, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/internal';
import { Reflector } from '@nestjs/core';
import type { ServerContext } from '@modelcontextprotocol/server';
import { CurrentToken } from '../http/decorators/current-token.decorator.js';
import { McpTool, MCP_TOOL_METADATA } from './mcp-tool.decorator.js';
import { requestViewFor } from './tool-invocation.js';
import { McpContext, ToolArgs } from './tool-params.decorators.js';

interface ParamMetadata {
  index: number;
  data: unknown;
  factory?: (data: unknown, context: ExecutionContext) => unknown;
}

class Tools {
  @McpTool({ name: 'defaults', description: 'no parameter decorators' })
  defaults(_args: unknown, _context: unknown) {}

  @McpTool({ name: 'token_only' })
  tokenOnly(@CurrentToken('sub') _sub: string) {}

  @McpTool({ name: 'named_arg' })
  namedArg(@ToolArgs('text') _text: string, @McpContext() _context: unknown) {}

  @McpTool({ name: 'built_in' })
  builtIn(@Req() _request: unknown, @Body('text') _text: string) {}

  notATool(_args: unknown) {}
}

function paramsOf(method: keyof Tools): ParamMetadata[] {
  const metadata = (Reflect.getMetadata(ROUTE_ARGS_METADATA, Tools, method) ?? {}) as Record<string, ParamMetadata>;
  return Object.values(metadata).sort((a, b) => a.index - b.index);
}

function contextFor(request: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
}

describe('@McpTool', () => {
  const serverContext = { mcpReq: { id: 1 } } as unknown as ServerContext;
  const view = requestViewFor(
    { mcpAccessToken: { sub: 'alice' } },
    { name: 'defaults', args: { text: 'hi' }, context: serverContext },
  );

  it('records the tool options on the method', () => {
    expect(new Reflector().get(MCP_TOOL_METADATA, Tools.prototype.defaults)).toEqual({
      name: 'defaults',
      description: 'no parameter decorators',
    });
  });

  it('gives a method without parameter decorators the parameters (args, context)', () => {
    const params = paramsOf('defaults');
    expect(params.map((p) => p.index)).toEqual([0, 1]);
    expect(params[0].factory?.(params[0].data, contextFor(view))).toEqual({ text: 'hi' });
    expect(params[1].factory?.(params[1].data, contextFor(view))).toBe(serverContext);
  });

  it('adds no default when a parameter decorator is declared', () => {
    const params = paramsOf('tokenOnly');
    expect(params).toHaveLength(1);
    expect(params[0].index).toBe(0);
    expect(params[0].factory?.(params[0].data, contextFor(view))).toBe('alice');
  });

  it('keeps the declared decorators as they are', () => {
    const params = paramsOf('namedArg');
    expect(params.map((p) => p.index)).toEqual([0, 1]);
    expect(params[0].data).toBe('text');
    expect(params[0].factory?.(params[0].data, contextFor(view))).toBe('hi');
    expect(params[1].factory?.(params[1].data, contextFor(view))).toBe(serverContext);
  });

  it("adds no default next to Nest's built-in parameter decorators", () => {
    const params = paramsOf('builtIn');
    expect(params).toHaveLength(2);
    expect(params.every((p) => p.factory === undefined)).toBe(true);
  });

  it('leaves other methods alone', () => {
    expect(paramsOf('notATool')).toEqual([]);
    expect(new Reflector().get(MCP_TOOL_METADATA, Tools.prototype.notATool)).toBeUndefined();
  });
});

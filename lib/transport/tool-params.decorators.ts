import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { invocationOf } from './tool-invocation.js';

/**
 * Injects the arguments of the current tool call (validated against the tool's input schema),
 * or one argument by name. Pipes such as `ValidationPipe` apply to it.
 * @publicApi
 */
export const ToolArgs = createParamDecorator((name: string | undefined, context: ExecutionContext) => {
  const args = invocationOf(context.switchToHttp().getRequest<object>())?.args;
  return name === undefined ? args : args?.[name];
});

/**
 * Injects the MCP SDK request context of the current tool call: `mcpReq.signal` (aborted when
 * the client disconnects or cancels), `mcpReq.notify` and `mcpReq.log` (sent to the caller as
 * server-sent events).
 * @publicApi
 */
export const McpContext = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => invocationOf(context.switchToHttp().getRequest<object>())?.context,
);

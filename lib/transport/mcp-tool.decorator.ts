import { SetMetadata } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/internal';
import type { StandardSchemaWithJSON, ToolAnnotations } from '@modelcontextprotocol/server';
import { McpContext, ToolArgs } from './tool-params.decorators.js';

/** Metadata key written by `@McpTool()`. */
export const MCP_TOOL_METADATA = 'MCP_AUTH:TOOL';

/**
 * Declaration of an MCP tool.
 * @publicApi
 */
export interface McpToolOptions {
  /** Unique tool name (`[A-Za-z0-9_.-]`, at most 128 characters). */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** Display title. */
  title?: string;
  /**
   * Input schema: a JSON Schema object (draft 2020-12 unless `$schema` says otherwise), or any
   * Standard Schema with JSON Schema support such as a zod v4 object.
   * @default { type: 'object' } (no arguments)
   */
  inputSchema?: Record<string, unknown> | StandardSchemaWithJSON;
  /** Output schema; when set, the tool must return `structuredContent`. */
  outputSchema?: Record<string, unknown> | StandardSchemaWithJSON;
  /** MCP tool annotations (`readOnlyHint`, `destructiveHint`, …). */
  annotations?: ToolAnnotations;
}

/**
 * Declares a method of a Nest provider as an MCP tool served by the module's MCP endpoint. The
 * method is invoked through Nest's execution context, so guards, interceptors, pipes and
 * parameter decorators apply; combine with `@McpProtected({ scopes })` for per-tool scopes.
 *
 * Parameters: `@ToolArgs()` (the validated arguments, or one of them by name), `@CurrentToken()`
 * (the caller's verified token), `@McpContext()` (the SDK request context: abort signal,
 * progress and log notifications). A method without parameter decorators receives
 * `(args, context)`.
 *
 * @example
 * ```ts
 * @McpProtected({ scopes: ['notes:write'] })
 * @McpTool({ name: 'add_note', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } })
 * add(@ToolArgs('text') text: string, @CurrentToken('sub') user: string) { … }
 * ```
 * @publicApi
 */
export function McpTool(options: McpToolOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    // Parameter decorators run before method decorators: none were declared, so apply the
    // documented default signature (args, context).
    if (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, propertyKey) === undefined) {
      ToolArgs()(target, propertyKey, 0);
      McpContext()(target, propertyKey, 1);
    }
    SetMetadata(MCP_TOOL_METADATA, options)(target, propertyKey, descriptor);
  };
}

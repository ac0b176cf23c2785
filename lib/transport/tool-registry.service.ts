import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/internal';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator.js';
import type { ParamsFactory } from '@nestjs/core/helpers/external-context-creator.js';
import {
  fromJsonSchema,
  type CallToolResult,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import type { Request, Response } from 'express';
import type { ResolvedMcpAuthOptions } from '../core/options/resolved-options.js';
import { MCP_AUTH_RESOLVED_OPTIONS, MCP_PROTECTED_METADATA } from '../mcp-auth.constants.js';
import type { McpProtectedOptions } from '../http/decorators/mcp-protected.decorator.js';
import { MCP_TOOL_METADATA, type McpToolOptions } from './mcp-tool.decorator.js';
import { requestViewFor, invocationOf } from './tool-invocation.js';
import { httpExceptionToToolError, authErrorToToolError, toCallToolResult } from './tool-result.js';

/** The HTTP exchange a tool call belongs to. */
export interface HttpExchange {
  readonly request: Request;
  readonly response: Response;
}

/** A discovered tool, ready to be registered on an `McpServer`. */
export interface ToolDefinition {
  readonly name: string;
  readonly config: {
    title?: string;
    description?: string;
    inputSchema: StandardSchemaWithJSON;
    outputSchema?: StandardSchemaWithJSON;
    annotations?: McpToolOptions['annotations'];
  };
  /** Every scope a caller needs (module, class and method `@McpProtected` scopes). */
  readonly requiredScopes: readonly string[];
  readonly invoke: (
    args: Record<string, unknown>,
    context: ServerContext,
    exchange: HttpExchange,
  ) => Promise<CallToolResult>;
}

const EMPTY_OBJECT_SCHEMA = { type: 'object' };

/** Nest's `RouteParamtypes`: built-in decorators such as `@Req()` and `@Body()` work on tools. */
const REQUEST = 0;
const RESPONSE = 1;
const BODY = 3;
const HEADERS = 6;

/**
 * Finds every `@McpTool` method on the application's providers at start-up and wraps each in
 * Nest's execution context (guards, interceptors, pipes and parameter decorators), with an
 * HTTP context whose request is the MCP request, so the same guards work on routes and tools.
 * Exception filters are not applied: they would write HTTP responses in the middle of the
 * MCP exchange; thrown `HttpException`s become tool errors instead.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private readonly logger = new Logger('McpAuth');
  private tools: readonly ToolDefinition[] | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly externalContextCreator: ExternalContextCreator,
    @Inject(MCP_AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedMcpAuthOptions,
  ) {}

  /**
   * Discovers the tools once every provider exists. Wrapping a method in Nest's execution
   * context earlier would capture guards that are not constructed yet.
   */
  onModuleInit(): void {
    this.tools ??= this.discover();
  }

  /**
   * All tools.
   * @throws Error when called before the module is initialised (see {@link onModuleInit}).
   */
  list(): readonly ToolDefinition[] {
    if (!this.tools)
      throw new Error('MCP tools are discovered when the module initialises; list() was called too early');
    return this.tools;
  }

  private discover(): ToolDefinition[] {
    const tools = new Map<string, ToolDefinition>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName] as (...args: unknown[]) => unknown;
        const options = this.reflector.get<McpToolOptions | undefined>(MCP_TOOL_METADATA, method);
        if (options === undefined) continue;
        if (tools.has(options.name)) throw new Error(`Duplicate MCP tool name "${options.name}"`);
        tools.set(options.name, this.define(instance, method, methodName, options));
      }
    }
    this.logger.log(`Serving ${tools.size} MCP tool(s): ${[...tools.keys()].join(', ') || '(none)'}`);
    return [...tools.values()];
  }

  private define(
    instance: object,
    method: (...args: unknown[]) => unknown,
    methodName: string,
    options: McpToolOptions,
  ): ToolDefinition {
    const declaredScopes = this.reflector
      .getAll<Array<McpProtectedOptions | undefined>>(MCP_PROTECTED_METADATA, [instance.constructor, method])
      .flatMap((meta) => meta?.scopes ?? []);
    const handler = this.externalContextCreator.create(
      instance,
      method,
      methodName,
      ROUTE_ARGS_METADATA,
      builtInParams,
      undefined,
      undefined,
      { guards: true, interceptors: true, filters: false },
      'http',
    );
    return {
      name: options.name,
      config: {
        title: options.title,
        description: options.description,
        inputSchema: toStandardSchema(options.inputSchema ?? EMPTY_OBJECT_SCHEMA),
        outputSchema: options.outputSchema ? toStandardSchema(options.outputSchema) : undefined,
        annotations: options.annotations,
      },
      requiredScopes: [...new Set([...this.options.requiredScopes, ...declaredScopes])],
      invoke: async (args, context, { request, response }) => {
        const view = requestViewFor(request, { name: options.name, args, context });
        try {
          return toCallToolResult(await handler(view, response));
        } catch (error) {
          const toolError = httpExceptionToToolError(error) ?? authErrorToToolError(error);
          if (toolError) return toolError;
          throw error;
        }
      },
    };
  }
}

const builtInParams: ParamsFactory = {
  exchangeKeyForValue(type: number, data: unknown, [request, response]: [Request, Response]) {
    switch (type) {
      case REQUEST:
        return request;
      case RESPONSE:
        return response;
      case BODY: {
        const args = invocationOf(request)?.args;
        return typeof data === 'string' ? args?.[data] : args;
      }
      case HEADERS:
        return typeof data === 'string' ? request.headers[data.toLowerCase()] : request.headers;
      default:
        return undefined;
    }
  },
};

/** JSON Schema objects are compiled once here, at start-up, not per request. */
function toStandardSchema(schema: Record<string, unknown> | StandardSchemaWithJSON): StandardSchemaWithJSON {
  return '~standard' in schema ? (schema as StandardSchemaWithJSON) : fromJsonSchema(schema as never);
}

import { SetMetadata } from '@nestjs/common';
import { MCP_PUBLIC_METADATA } from '../../mcp-auth.constants.js';

/**
 * Opts a controller, route or `@McpTool` out of the module's global guard (`globalGuard: true`).
 * The module's own discovery endpoints are public already.
 * @publicApi
 */
export const McpPublic = (): MethodDecorator & ClassDecorator => SetMetadata(MCP_PUBLIC_METADATA, true);

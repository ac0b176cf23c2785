import { All, Controller, HttpCode, Req, Res, UseGuards, type Type } from '@nestjs/common';
import type { Request, Response } from 'express';
import { McpAuthGuard } from '../http/guards/mcp-auth.guard.js';
import { StreamableHttpHandler } from './streamable-http.handler.js';

/**
 * Creates the MCP endpoint controller for a path known when the module is declared (Nest
 * routes are fixed at start-up). The endpoint always requires a verified token; per-tool
 * scopes are enforced by the handler.
 */
export function createMcpEndpointController(path: string): Type<unknown> {
  @UseGuards(McpAuthGuard)
  @Controller(path)
  class McpEndpointController {
    constructor(private readonly handler: StreamableHttpHandler) {}

    @All()
    @HttpCode(200)
    handle(@Req() request: Request, @Res() response: Response): Promise<void> {
      return this.handler.handle(request, response);
    }
  }
  return McpEndpointController;
}

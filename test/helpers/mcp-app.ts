import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { McpAuthModule, type McpAuthModuleExtras, type McpAuthModuleOptions } from 'nestjs-mcp-auth';
import { NotesTools } from '../fixtures/notes.tools.js';
import { freePort } from './free-port.js';

export interface RunningApp {
  app: INestApplication;
  port: number;
  origin: string;
  /** The MCP endpoint URL (= the configured resource URL). */
  mcpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a Nest application with `McpAuthModule` on 127.0.0.1. `options` receives the origin the
 * app will listen on, so URLs can be built from it.
 */
export async function startMcpApp(
  options: (origin: string) => McpAuthModuleOptions,
  extras: McpAuthModuleExtras & {
    imports?: DynamicModule['imports'];
    providers?: DynamicModule['providers'];
    controllers?: DynamicModule['controllers'];
    /** Listen on this port (e.g. reserved with `freePort()` to build URLs first). */
    port?: number;
  } = {},
): Promise<RunningApp> {
  const port = extras.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const { imports = [], providers = [NotesTools], controllers = [], port: _port, ...moduleExtras } = extras;

  @Module({
    imports: [McpAuthModule.forRoot({ ...options(origin), ...moduleExtras }), ...imports],
    providers,
    controllers,
  })
  class TestAppModule {}

  const app = await NestFactory.create(TestAppModule, { logger: false, abortOnError: false });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    port,
    origin,
    mcpUrl: `${origin}${moduleExtras.mcpEndpoint || '/mcp'}`,
    close: () => app.close(),
  };
}

/**
 * For scale: a bare Nest 12 POST route returning the JSON a `tools/call` of `echo` returns. No MCP,
 * no auth, no schema validation: the floor of the framework under the same request.
 */
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BENCH_CLIENT_ID } from '../bench.constants.js';
import { announceReady, exitWithRunner, readServerEnv } from './server-env.js';

interface ToolCall {
  id?: string | number;
  params?: { arguments?: { text?: string } };
}

@Controller('mcp')
class BareController {
  @Post()
  @HttpCode(200)
  call(@Body() body: ToolCall): Record<string, unknown> {
    const text = `${body.params?.arguments?.text}:${BENCH_CLIENT_ID}`;
    return { result: { content: [{ type: 'text', text }] }, jsonrpc: '2.0', id: body.id ?? null };
  }
}

@Module({ controllers: [BareController] })
class BareAppModule {}

const env = readServerEnv();
const app = await NestFactory.create(BareAppModule, { logger: ['error', 'warn'] });
await app.listen(env.port, '127.0.0.1');
exitWithRunner(() => app.close());
announceReady(env.port);

/**
 * Our stack: a Nest 12 app with `McpAuthModule` hosting the MCP endpoint and an `@McpTool` echo.
 *
 * BENCH_AUTH=jwt (default): protected exactly as documented, `verifier: { type: 'jwt', issuer, jwksUri }`.
 * BENCH_AUTH=off: the same module and app with `McpAuthGuard` overridden by {@link FixedTokenGuard}
 *   (no token verification): the baseline.
 * BENCH_VERIFY_CACHE=off: the JWT verifier's result cache disabled (`cache: false`), so every request
 *   pays the full jose verification, as if every request carried a new token.
 */
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { McpAuthGuard, McpAuthModule } from '../../lib/index.js';
import { BENCH_SCOPE } from '../bench.constants.js';
import { EchoTools } from './echo.tools.js';
import { FixedTokenGuard } from './fixed-token.guard.js';
import { announceReady, exitWithRunner, readServerEnv } from './server-env.js';

const env = readServerEnv();
const authOff = process.env.BENCH_AUTH === 'off';
const cacheOff = process.env.BENCH_VERIFY_CACHE === 'off';

@Module({
  imports: [
    McpAuthModule.forRoot({
      resourceUrl: env.resourceUrl,
      authorizationServers: [env.issuer],
      scopesSupported: [BENCH_SCOPE],
      requiredScopes: [BENCH_SCOPE],
      verifier: { type: 'jwt', issuer: env.issuer, jwksUri: env.jwksUri, ...(cacheOff ? { cache: false } : {}) },
    }),
  ],
  providers: [EchoTools],
})
class BenchAppModule {}

async function createApp(): Promise<INestApplication> {
  const logger: ['error', 'warn'] = ['error', 'warn'];
  if (!authOff) return NestFactory.create(BenchAppModule, { logger });
  // Baseline: Nest's own override mechanism swaps the guard; nothing else changes.
  const moduleRef = await Test.createTestingModule({ imports: [BenchAppModule] })
    .overrideGuard(McpAuthGuard)
    .useClass(FixedTokenGuard)
    .compile();
  return moduleRef.createNestApplication({ logger });
}

const app = await createApp();
await app.listen(env.port, '127.0.0.1');
exitWithRunner(() => app.close());
announceReady(env.port);

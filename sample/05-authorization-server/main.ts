import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthorizationServerAppModule, DEMO_USERS } from './app.module.js';
import { sampleSettings } from './settings.js';

/** Sample 05 — level 4, the embedded authorization server. `npm start` runs it. See README.md. */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample05');
  const settings = sampleSettings(process.env);
  const app = await NestFactory.create(AuthorizationServerAppModule.forSettings(settings));
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  logger.log(`MCP endpoint: ${settings.resourceUrl}`);
  logger.log(
    `Authorization server: ${new URL(settings.resourceUrl).origin} (storage: ${settings.redisUrl ? 'Redis' : 'memory'})`,
  );
  for (const user of DEMO_USERS) {
    logger.log(`Demo user: ${user.username} / ${user.password} (scopes: ${user.scopes?.join(' ')})`);
  }
  logger.log(`Try it: npx @modelcontextprotocol/inspector, then connect to ${settings.resourceUrl}`);
}

void bootstrap();

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GitHubProxyAppModule } from './app.module.js';
import { sampleSettings } from './settings.js';

/**
 * Sample 03 — level 3, the OAuth proxy in front of GitHub. Needs a GitHub OAuth app:
 * `GITHUB_CLIENT_ID=… GITHUB_CLIENT_SECRET=… npm run sample:03`. See README.md.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample03');
  const settings = sampleSettings(process.env);
  const app = await NestFactory.create(GitHubProxyAppModule.forSettings(settings));
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  logger.log(`MCP endpoint: ${settings.resourceUrl}`);
  logger.log(`GitHub app ${settings.github.clientId} at ${settings.github.serverUrl}`);
  logger.log(`Its "Authorization callback URL" must be exactly: ${settings.callbackUrl}`);
  logger.log(`Try it: npx @modelcontextprotocol/inspector, then connect to ${settings.resourceUrl}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

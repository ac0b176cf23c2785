import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, type SampleConfig } from './app.module.js';
import { sampleSettings } from './settings.js';

/** Sample 01 — level 1, token verification. See README.md and settings.ts. */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample01');
  const settings = sampleSettings(process.env);
  const config: SampleConfig = {
    resourceUrl: settings.resourceUrl,
    issuer: settings.issuer,
    jwksUri: settings.jwksUri,
  };
  if (!settings.jwksUri) {
    try {
      config.publicKeys = (
        JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as { keys: SampleConfig['publicKeys'] }
      ).keys;
    } catch {
      logger.error(
        `No JWKS at ${settings.jwksFile}. Create one with: npx nestjs-mcp-auth keys generate --out .dev-keys`,
      );
      process.exitCode = 1;
      return;
    }
  }
  const app = await NestFactory.create(AppModule.forConfig(config));
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  logger.log(`MCP endpoint: ${settings.resourceUrl} (accepting tokens from ${settings.issuer})`);
  logger.log(
    `Mint a token: npx nestjs-mcp-auth token mint --key .dev-keys/private-key.jwk.json --iss ${settings.issuer} --aud ${settings.resourceUrl} --scope "notes:read notes:write"`,
  );
}

void bootstrap();

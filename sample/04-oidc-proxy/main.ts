import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OidcProxyAppModule } from './app.module.js';
import { startBundledIdentityProvider } from './identity-provider.js';
import { sampleSettings, type ExternalIdentityProvider } from './settings.js';

/**
 * Sample 04 — level 3, the OAuth proxy in front of an OpenID Connect provider without dynamic
 * client registration. Offline by default: it starts a bundled `oidc-provider` on 127.0.0.1:4000
 * (one pre-registered client, the proxy) and the MCP server on 127.0.0.1:3000. See README.md.
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample04');
  const settings = sampleSettings(process.env);

  let upstream: ExternalIdentityProvider;
  let stopIdentityProvider: (() => Promise<void>) | undefined;
  if (settings.external) {
    upstream = settings.external;
    logger.log(`Identity provider: ${upstream.issuer} (client ${upstream.clientId})`);
  } else {
    const idp = await startBundledIdentityProvider({ redirectUri: settings.callbackUrl, port: settings.idpPort });
    upstream = { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret };
    stopIdentityProvider = () => idp.close();
    logger.log(`Bundled identity provider: ${idp.issuer} (no dynamic registration; one client: ${idp.clientId})`);
    for (const [user, password] of Object.entries(idp.users)) logger.log(`Demo user: ${user} / ${password}`);
  }

  try {
    const app = await NestFactory.create(OidcProxyAppModule.forUpstream(settings, upstream));
    app.enableShutdownHooks();
    await app.listen(settings.port, settings.host);
  } catch (error) {
    await stopIdentityProvider?.();
    throw error;
  }
  if (stopIdentityProvider) {
    const stop = stopIdentityProvider;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  }
  logger.log(`MCP endpoint: ${settings.resourceUrl}`);
  logger.log(`Upstream callback (the redirect URI registered at the provider): ${settings.callbackUrl}`);
  logger.log(`Try it: npx @modelcontextprotocol/inspector, then connect to ${settings.resourceUrl}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { RemoteOAuthOptions } from 'nestjs-mcp-auth';
import { RemoteOAuthAppModule } from './app.module.js';
import { startDevIdentityProvider } from './dev-identity-provider.js';

/**
 * Sample 02 — level 2, remote OAuth. Without configuration it starts the bundled development
 * identity provider (oidc-provider on 127.0.0.1:4000) next to the MCP server (127.0.0.1:3000).
 *
 * Environment: `HOST`, `PORT`, `MCP_PUBLIC_URL` as in sample 01, and to use a real provider:
 * - `AUTHKIT_DOMAIN=https://your-app.authkit.app`, or
 * - `KEYCLOAK_REALM_URL=https://keycloak.example.com/realms/mcp`, or
 * - `OAUTH_ISSUER=https://auth.example.com` (any RFC 8414 / OpenID Connect issuer with DCR).
 */
async function bootstrap(): Promise<void> {
  const logger = new Logger('Sample02');
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 3000);
  const resourceUrl = process.env.MCP_PUBLIC_URL ?? `http://${host}:${port}/mcp`;

  let remote: RemoteOAuthOptions;
  if (process.env.AUTHKIT_DOMAIN) {
    remote = { provider: 'authkit', domain: process.env.AUTHKIT_DOMAIN, mirrorMetadata: true };
  } else if (process.env.KEYCLOAK_REALM_URL) {
    remote = { provider: 'keycloak', realmUrl: process.env.KEYCLOAK_REALM_URL, mirrorMetadata: true };
  } else if (process.env.OAUTH_ISSUER) {
    remote = { provider: 'generic', issuer: process.env.OAUTH_ISSUER, mirrorMetadata: true };
  } else {
    const idp = await startDevIdentityProvider({
      port: Number(process.env.IDP_PORT ?? 4000),
      resources: [resourceUrl],
    });
    remote = { provider: 'generic', issuer: idp.issuer, mirrorMetadata: true };
    logger.log(`Development identity provider: ${idp.issuer} (user demo, password demo)`);
    process.once('SIGINT', () => void idp.close());
    process.once('SIGTERM', () => void idp.close());
  }

  const app = await NestFactory.create(RemoteOAuthAppModule.forConfig(resourceUrl, remote));
  app.enableShutdownHooks();
  await app.listen(port, host);
  logger.log(`MCP endpoint: ${resourceUrl} — connect an MCP client; it will discover the authorization server`);
}

void bootstrap();

import { Module, type DynamicModule } from '@nestjs/common';
import type { JWK } from 'jose';
import { McpAuthModule } from 'nestjs-mcp-auth';
import { NotesTools } from './notes.tools.js';

/** What the sample needs to know; `main.ts` reads it from the environment. */
export interface SampleConfig {
  /** Public URL of the MCP endpoint, as clients type it. */
  resourceUrl: string;
  /** Issuer whose tokens are accepted (`iss`). */
  issuer: string;
  /** Public keys of that issuer (here: the JWKS written by `nestjs-mcp-auth keys generate`). */
  publicKeys?: JWK[];
  /** Or the issuer's remote JWKS URL. */
  jwksUri?: string;
  /** Authorization servers to advertise (RFC 9728), if clients should discover one. */
  authorizationServers?: string[];
}

/** Level 1: a resource server that verifies JWT access tokens issued elsewhere. */
@Module({})
export class AppModule {
  static forConfig(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        McpAuthModule.forRoot({
          resourceUrl: config.resourceUrl,
          authorizationServers: config.authorizationServers,
          scopesSupported: ['notes:read'],
          verifier: config.jwksUri
            ? { type: 'jwt', issuer: config.issuer, jwksUri: config.jwksUri }
            : { type: 'jwt', issuer: config.issuer, publicKeys: config.publicKeys ?? [] },
          mcp: { serverInfo: { name: 'notes-sample', version: '1.0.0' } },
        }),
      ],
      providers: [NotesTools],
    };
  }
}

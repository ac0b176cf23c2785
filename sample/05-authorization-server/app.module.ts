import { Module, type DynamicModule } from '@nestjs/common';
import { McpAuthModule, type ServerUserOptions } from 'nestjs-mcp-auth';
import { NotesTools } from '../01-jwt-resource-server/notes.tools.js';
import type { SampleSettings } from './settings.js';

/**
 * Demo users (plain-text passwords are accepted outside production only; the module refuses
 * them when `NODE_ENV=production`). `reader` may only read notes, so adding one needs `demo`.
 */
export const DEMO_USERS: ServerUserOptions[] = [
  { username: 'demo', password: 'demo', scopes: ['notes:read', 'notes:write'], claims: { name: 'Demo User' } },
  { username: 'reader', password: 'reader', scopes: ['notes:read'], claims: { name: 'Read-only User' } },
];

/**
 * Level 4: the module is the authorization server. MCP clients discover it from the MCP endpoint,
 * register themselves (DCR), send the user to its login and consent pages, and call tools with
 * the access token it issues. No external identity provider is involved.
 */
@Module({})
export class AuthorizationServerAppModule {
  static forSettings(settings: SampleSettings): DynamicModule {
    return {
      module: AuthorizationServerAppModule,
      imports: [
        McpAuthModule.forRoot({
          resourceUrl: settings.resourceUrl,
          resourceName: 'Notes (sample 05)',
          // What clients request first; add_note asks for notes:write by a 403 step-up.
          scopesSupported: ['notes:read'],
          // No signing keys configured: development signs with an ephemeral key and warns. In
          // production, configure `signingKeys` (npx nestjs-mcp-auth keys generate).
          server: { users: DEMO_USERS },
          storage: settings.redisUrl ? { type: 'redis', url: settings.redisUrl } : { type: 'memory' },
          mcp: { serverInfo: { name: 'notes-authorization-server-sample', version: '1.0.0' } },
        }),
      ],
      providers: [NotesTools],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { McpAuthModule, type RemoteOAuthOptions } from 'nestjs-mcp-auth';
import { NotesTools } from '../01-jwt-resource-server/notes.tools.js';

/** Level 2: clients discover the remote authorization server and register themselves there. */
@Module({})
export class RemoteOAuthAppModule {
  static forConfig(resourceUrl: string, remote: RemoteOAuthOptions): DynamicModule {
    return {
      module: RemoteOAuthAppModule,
      imports: [
        McpAuthModule.forRoot({
          resourceUrl,
          remote,
          // What clients request first; add-note asks for notes:write by a 403 step-up.
          scopesSupported: ['notes:read'],
          resourceName: 'Notes (sample 02)',
          mcp: { serverInfo: { name: 'notes-remote-oauth-sample', version: '1.0.0' } },
        }),
      ],
      providers: [NotesTools],
    };
  }
}

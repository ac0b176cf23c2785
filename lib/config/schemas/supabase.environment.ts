import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: Supabase Auth (`MCP_AUTH_PROVIDER=supabase`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_SUPABASE_',
  provider: 'supabase',
  section: 'remote',
  fixed: { provider: 'supabase' },
  title: 'Supabase Auth (level 2)',
  description: 'Supabase Auth as OAuth 2.1 server; tokens carry `aud: "authenticated"`.',
})
export class SupabaseEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'PROJECT_URL',
    type: EnvTypes.url(),
    required: true,
    description: 'Project URL, e.g. `https://abcd.supabase.co`.',
  })
  projectUrl?: string;

  @EnvVariable({
    name: 'AUTH_ROUTE',
    type: EnvTypes.string,
    default: '`/auth/v1`',
    description: 'Path of Supabase Auth under the project URL.',
  })
  authRoute?: string;
}

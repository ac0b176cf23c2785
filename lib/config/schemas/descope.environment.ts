import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: Descope (`MCP_AUTH_PROVIDER=descope`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_DESCOPE_',
  provider: 'descope',
  section: 'remote',
  fixed: { provider: 'descope' },
  title: 'Descope (level 2)',
  description: 'Tokens carry the project id as audience.',
})
export class DescopeEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'PROJECT_ID',
    type: EnvTypes.string,
    required: true,
    description: 'Descope project id (`P…`).',
  })
  projectId?: string;

  @EnvVariable({
    name: 'ISSUER',
    type: EnvTypes.url(),
    required: true,
    description:
      'The issuer as Descope shows it for your MCP server, e.g. `https://api.descope.com/v1/apps/agentic/P…/M…`.',
  })
  issuer?: string;

  @EnvVariable({
    name: 'BASE_URL',
    type: EnvTypes.url(),
    default: '`https://api.descope.com`',
    description: 'Descope API base URL.',
  })
  baseUrl?: string;
}

import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';
import { RemoteCommonEnvironment } from './remote-common.environment.js';

/**
 * Level 2: Scalekit (`MCP_AUTH_PROVIDER=scalekit`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_SCALEKIT_',
  provider: 'scalekit',
  section: 'remote',
  fixed: { provider: 'scalekit' },
  title: 'Scalekit (level 2)',
  description: "The authorization server is the environment's resource; tokens carry the resource id as audience.",
})
export class ScalekitEnvironment extends RemoteCommonEnvironment {
  @EnvVariable({
    name: 'ENVIRONMENT_URL',
    type: EnvTypes.url(),
    required: true,
    description: 'Environment URL, e.g. `https://your-env.scalekit.com`.',
  })
  environmentUrl?: string;

  @EnvVariable({
    name: 'RESOURCE_ID',
    type: EnvTypes.string,
    required: true,
    description: 'Resource id of this MCP server in Scalekit (`res_…`).',
  })
  resourceId?: string;
}

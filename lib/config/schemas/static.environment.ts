import { EnvSchema, EnvVariable } from '../env-schema.decorator.js';
import { EnvTypes } from '../env-value-types.js';

/**
 * Level 1, development only: a fixed table of tokens (`MCP_AUTH_PROVIDER=static`).
 * @publicApi
 */
@EnvSchema({
  prefix: 'MCP_AUTH_STATIC_',
  provider: 'static',
  section: 'verifier',
  fixed: { type: 'static' },
  title: 'Development tokens (level 1)',
  description: 'A fixed table of tokens for development; refused in production.',
})
export class StaticEnvironment {
  @EnvVariable({
    name: 'TOKENS',
    type: EnvTypes.json,
    required: true,
    secret: true,
    description:
      'JSON object of token (at least 16 characters) to what it grants, e.g. `{"dev-token-0123456789":{"sub":"alice","scopes":["notes:read"]}}`.',
  })
  tokens?: Record<string, unknown>;

  @EnvVariable({
    name: 'ALLOW_IN_PRODUCTION',
    type: EnvTypes.boolean,
    default: 'false',
    description: 'Permit static tokens in production mode.',
  })
  allowInProduction?: boolean;
}

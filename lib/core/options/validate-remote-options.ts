import { REMOTE_PROVIDER_SCHEMAS, type RemoteOAuthOptions } from './remote-options.js';
import { validateSection } from './validate-section.js';
import { validateVerifierOptions } from './validate-verifier-options.js';

/** Validates a level-2 configuration, adding one line per problem. */
export function validateRemoteOptions(path: string, options: RemoteOAuthOptions, problems: string[]): void {
  const provider = (options as { provider?: unknown }).provider;
  if (typeof provider !== 'string' || !Object.hasOwn(REMOTE_PROVIDER_SCHEMAS, provider)) {
    problems.push(`${path}.provider: must be one of ${Object.keys(REMOTE_PROVIDER_SCHEMAS).join(', ')}`);
    return;
  }
  const schema = REMOTE_PROVIDER_SCHEMAS[provider as keyof typeof REMOTE_PROVIDER_SCHEMAS];
  if (!validateSection(path, schema, options, problems)) return;
  if (options.provider === 'generic' && options.introspection !== undefined) {
    validateVerifierOptions(
      `${path}.introspection`,
      { ...options.introspection, type: 'introspection' },
      { production: false },
      problems,
    );
    if (options.jwksUri !== undefined) problems.push(`${path}.jwksUri: not used with introspection`);
  }
}

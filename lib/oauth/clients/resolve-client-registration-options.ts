import { indexPath, validateSection } from '../../core/options/validate-section.js';
import {
  CLIENT_REGISTRATION_DEFAULTS,
  ClientRegistrationOptions,
  RegistrationRateLimitOptions,
} from './client-registration.options.js';
import type { ClientRegistrationPolicy } from './client-registration.policy.js';
import { compileRedirectUriPattern } from './redirect-uri-pattern.util.js';

/** {@link ClientRegistrationOptions} with every default applied and the patterns compiled. */
export interface ResolvedClientRegistrationOptions {
  readonly enabled: boolean;
  readonly rateLimit: { readonly max: number; readonly windowSeconds: number } | false;
  /** Time to live of an unused dynamic registration, in milliseconds. */
  readonly unusedClientTtlMs: number;
  /** Lifetime of issued client secrets, in seconds; 0 = never expire. */
  readonly clientSecretTtlSeconds: number;
  /** What registrations may contain. */
  readonly policy: ClientRegistrationPolicy;
}

/**
 * Validates the `clientRegistration` option, adding one line per problem (`<path>.<option>: …`),
 * including each `allowedRedirectUris` pattern.
 */
export function validateClientRegistrationOptions(
  path: string,
  options: ClientRegistrationOptions | undefined,
  problems: string[],
): void {
  if (options === undefined) return;
  if (!validateSection(path, ClientRegistrationOptions, options, problems)) return;
  if (options.rateLimit !== undefined && options.rateLimit !== false) {
    validateSection(`${path}.rateLimit`, RegistrationRateLimitOptions, options.rateLimit, problems);
  }
  if (Array.isArray(options.allowedRedirectUris)) {
    options.allowedRedirectUris.forEach((pattern, i) => {
      try {
        compileRedirectUriPattern(pattern);
      } catch (error) {
        problems.push(`${indexPath(`${path}.allowedRedirectUris`, i)}: ${(error as Error).message}`);
      }
    });
  }
}

/**
 * Applies the defaults ({@link CLIENT_REGISTRATION_DEFAULTS}) and builds the registration policy.
 * Validate first with {@link validateClientRegistrationOptions}.
 *
 * @param scopesSupported the server's scopes; registered `scope` values are filtered to them. A
 *   function is read at each registration (the default scopes include the tools' own, which are
 *   known only once the application has started).
 * @throws TypeError for an invalid redirect URI pattern.
 */
export function resolveClientRegistrationOptions(
  options: ClientRegistrationOptions = {},
  scopesSupported?: readonly string[] | (() => readonly string[]),
): ResolvedClientRegistrationOptions {
  const d = CLIENT_REGISTRATION_DEFAULTS;
  const rateLimit =
    options.rateLimit === false
      ? false
      : {
          max: options.rateLimit?.max ?? d.rateLimit.max,
          windowSeconds: options.rateLimit?.windowSeconds ?? d.rateLimit.windowSeconds,
        };
  return {
    enabled: options.enabled ?? d.enabled,
    rateLimit,
    unusedClientTtlMs: (options.unusedClientTtlDays ?? d.unusedClientTtlDays) * 86_400_000,
    clientSecretTtlSeconds: (options.clientSecretTtlDays ?? d.clientSecretTtlDays) * 86_400,
    policy: {
      allowLocalhost: options.allowLocalhost ?? d.allowLocalhost,
      allowedRedirectUris: options.allowedRedirectUris?.map(compileRedirectUriPattern),
      get scopesSupported() {
        return typeof scopesSupported === 'function' ? scopesSupported() : scopesSupported;
      },
      allowClientCredentials: options.allowClientCredentials ?? d.allowClientCredentials,
      allowPrivateKeyJwt: options.allowPrivateKeyJwt ?? d.allowPrivateKeyJwt,
    },
  };
}

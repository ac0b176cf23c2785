import { indexPath, validateSection } from '../../../core/options/validate-section.js';
import { CIMD_DEFAULTS, CimdOptions } from './cimd.options.js';
import { domainPatternProblem } from './domain-pattern.util.js';

/** {@link CimdOptions} with every default applied. */
export interface ResolvedCimdOptions {
  readonly enabled: boolean;
  readonly allowDomains: readonly string[] | undefined;
  readonly denyDomains: readonly string[] | undefined;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly cacheMinSeconds: number;
  readonly cacheMaxSeconds: number;
  readonly maxCacheEntries: number;
}

/**
 * Validates the `cimd` option, adding one line per problem (`<path>.<option>: …`): the schema,
 * the domain patterns, and `cacheMinSeconds` ≤ `cacheMaxSeconds`.
 */
export function validateCimdOptions(path: string, options: CimdOptions | undefined, problems: string[]): void {
  if (options === undefined) return;
  const before = problems.length;
  if (!validateSection(path, CimdOptions, options, problems) || problems.length > before) return;
  for (const list of ['allowDomains', 'denyDomains'] as const) {
    options[list]?.forEach((pattern, i) => {
      const problem = domainPatternProblem(pattern);
      if (problem !== undefined) problems.push(`${indexPath(`${path}.${list}`, i)}: ${problem}`);
    });
  }
  const min = options.cacheMinSeconds ?? CIMD_DEFAULTS.cacheMinSeconds;
  const max = options.cacheMaxSeconds ?? CIMD_DEFAULTS.cacheMaxSeconds;
  if (min > max) problems.push(`${path}.cacheMinSeconds: must not exceed cacheMaxSeconds (${max})`);
}

/** Applies the defaults of {@link CIMD_DEFAULTS} (validate first with {@link validateCimdOptions}). */
export function resolveCimdOptions(options: CimdOptions = {}): ResolvedCimdOptions {
  return {
    enabled: options.enabled ?? CIMD_DEFAULTS.enabled,
    allowDomains: options.allowDomains?.map((d) => d.toLowerCase()),
    denyDomains: options.denyDomains?.map((d) => d.toLowerCase()),
    timeoutMs: options.timeoutMs ?? CIMD_DEFAULTS.timeoutMs,
    maxBytes: options.maxBytes ?? CIMD_DEFAULTS.maxBytes,
    cacheMinSeconds: options.cacheMinSeconds ?? CIMD_DEFAULTS.cacheMinSeconds,
    cacheMaxSeconds: options.cacheMaxSeconds ?? CIMD_DEFAULTS.cacheMaxSeconds,
    maxCacheEntries: options.maxCacheEntries ?? CIMD_DEFAULTS.maxCacheEntries,
  };
}

import type { McpAuthModuleOptions } from '../core/options/module-options.js';
import { levelSections } from './environment-registry.js';
import { isPlainObject } from './option-paths.util.js';

/** Keys that say which kind of section an object is (`verifier.type`, `remote.provider`). */
const DISCRIMINATORS = ['type', 'provider'] as const;

/**
 * Combines options given in code with options read from the environment. Code always wins,
 * field by field:
 *
 * - a value set in code (anything but `undefined`) is kept, at any depth; plain objects are
 *   merged key by key; arrays, class instances (a Redis client, a verifier class) and `false`
 *   are values, never merged;
 * - two sections of different kinds (`verifier.type` `jwt` vs `introspection`, `storage.type`,
 *   `remote.provider`) are not merged: the one in code is kept whole;
 * - when code chooses the auth level (`verifier`, `remote`, …), the environment's level is
 *   used only if it is the same section of the same kind.
 *
 * @publicApi
 */
export function mergeMcpAuthOptions(
  programmatic: Partial<McpAuthModuleOptions>,
  fromEnvironment: Partial<McpAuthModuleOptions>,
): Partial<McpAuthModuleOptions> {
  const environment: Record<string, unknown> = { ...fromEnvironment };
  const code = programmatic as Record<string, unknown>;
  const levels = [...levelSections()];
  if (levels.some((section) => code[section] !== undefined)) {
    for (const section of levels) {
      if (environment[section] !== undefined && !sameKind(code[section], environment[section])) {
        delete environment[section];
      }
    }
  }
  return mergeValue(code, environment) as Partial<McpAuthModuleOptions>;
}

function mergeValue(code: unknown, environment: unknown): unknown {
  if (code === undefined) return environment;
  if (!isPlainObject(code) || !isPlainObject(environment) || !sameKind(code, environment)) return code;
  const merged: Record<string, unknown> = { ...environment };
  for (const [key, value] of Object.entries(code)) merged[key] = mergeValue(value, environment[key]);
  return merged;
}

/** Both are objects whose discriminators, where both have one, agree. */
function sameKind(a: unknown, b: unknown): boolean {
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  return DISCRIMINATORS.every((key) => a[key] === undefined || b[key] === undefined || a[key] === b[key]);
}

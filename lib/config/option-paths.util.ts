/** A plain object (literal or `Object.create(null)`), as opposed to arrays and class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The value at a dotted option path such as `verifier.jwks.timeoutMs`, or `undefined`. */
export function getOptionAt(options: unknown, path: string): unknown {
  let value = options;
  for (const key of path.split('.')) {
    if (!isPlainObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

/** The leaves of a plain object as `[dotted path, value]`, e.g. `['upstream.provider', 'github']`. */
export function leafEntries(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([key, child]) =>
    isPlainObject(child) ? leafEntries(child, `${prefix}${key}.`) : [[`${prefix}${key}`, child] as [string, unknown]],
  );
}

/**
 * Builds an options object from variables, remembering which variable set which path, so that
 * two variables writing the same option (or one writing inside what another set to a
 * non-object, such as `cache=false` and `cache.maxEntries`) are reported instead of one
 * silently winning.
 */
export class OptionsBuilder {
  readonly options: Record<string, unknown> = {};
  private readonly owners = new Map<string, string>();

  /** Sets the leaves of `fixed` under `section` (what a schema always sets, e.g. a discriminator). */
  fix(section: string, fixed: Record<string, unknown>): void {
    const root = (this.options[section] ??= {}) as Record<string, unknown>;
    for (const [path, value] of leafEntries(fixed)) {
      const keys = path.split('.');
      let target = root;
      for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
      target[keys[keys.length - 1]] = value;
    }
  }

  /**
   * Sets `path` to `value` on behalf of `variable`.
   * @returns the variable it conflicts with, if any (nothing is set then).
   */
  set(path: string, value: unknown, variable: string): string | undefined {
    const keys = path.split('.');
    let target = this.options;
    for (let i = 0; i < keys.length - 1; i++) {
      const existing = target[keys[i]];
      if (existing === undefined) target[keys[i]] = {};
      else if (!isPlainObject(existing)) return this.owners.get(keys.slice(0, i + 1).join('.'));
      target = target[keys[i]] as Record<string, unknown>;
    }
    const leaf = keys[keys.length - 1];
    if (target[leaf] !== undefined) return this.owners.get(path) ?? this.firstOwnerUnder(path);
    target[leaf] = value;
    this.owners.set(path, variable);
    return undefined;
  }

  private firstOwnerUnder(path: string): string | undefined {
    for (const [owned, variable] of this.owners) if (owned.startsWith(`${path}.`)) return variable;
    return undefined;
  }
}

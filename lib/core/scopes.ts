/**
 * Splits an RFC 6749 §3.3 scope string. Only the space character (%x20) separates scope
 * tokens: a tab or a comma is part of a token, so `"mcp:read\tmcp:write"` never grants
 * `mcp:write` (security catalog V-26).
 */
export function parseScopeString(scope: string): string[] {
  return scope.split(' ').filter((token) => token.length > 0);
}

/**
 * Reads granted scopes from token claims.
 *
 * Policy (documented in the README's security section):
 * - `scope` must be a space-delimited string (RFC 9068 §2.2.3, RFC 8693 §4.2); any other type
 *   grants nothing;
 * - `scp` may be a space-delimited string (Entra ID) or an array of strings (Okta); non-string
 *   members are ignored.
 * `scope` wins when both are present.
 */
export function scopesFromClaims(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return parseScopeString(claims.scope);
  const scp = claims.scp;
  if (typeof scp === 'string') return parseScopeString(scp);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string' && s !== '');
  return [];
}

/**
 * Expands granted scopes with the scopes they imply (MCP 2026-07-28: servers MUST account for
 * scope hierarchies), e.g. `{ 'mcp:admin': ['mcp:read', 'mcp:write'] }`. Expansion is
 * transitive and cycle-safe.
 */
export function expandScopes(
  granted: readonly string[],
  implied: Readonly<Record<string, readonly string[]>> | undefined,
): ReadonlySet<string> {
  const result = new Set(granted);
  if (!implied) return result;
  const queue = [...granted];
  while (queue.length > 0) {
    const scope = queue.pop() as string;
    // Own properties only: a scope named `toString` must not reach Object.prototype.
    for (const child of Object.hasOwn(implied, scope) ? implied[scope] : []) {
      if (!result.has(child)) {
        result.add(child);
        queue.push(child);
      }
    }
  }
  return result;
}

/** Returns the required scopes that `granted` (already expanded) does not cover. */
export function missingScopes(required: readonly string[], granted: ReadonlySet<string>): string[] {
  return required.filter((scope) => !granted.has(scope));
}

/** Whether `granted` (expanded with `implied`) covers every scope in `required`. */
export function hasScopes(
  granted: readonly string[],
  required: readonly string[],
  implied: Readonly<Record<string, readonly string[]>> | undefined,
): boolean {
  if (required.length === 0) return true;
  if (implied === undefined) return required.every((scope) => granted.includes(scope));
  return missingScopes(required, expandScopes(granted, implied)).length === 0;
}

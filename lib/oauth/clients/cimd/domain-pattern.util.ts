/**
 * Host name patterns of the CIMD `allowDomains` / `denyDomains` options:
 * - `app.example.com` matches that host exactly;
 * - `*.example.com` matches any subdomain at any depth (`a.example.com`, `a.b.example.com`),
 *   not `example.com` itself (list both to allow both).
 * Matching is case-insensitive on the punycode form of the host.
 */

/**
 * Checks one pattern.
 * @returns a reason, or `undefined` when the pattern is valid.
 */
export function domainPatternProblem(pattern: string): string | undefined {
  const name = pattern.startsWith('*.') ? pattern.slice(2) : pattern;
  if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(name)) {
    return 'must be a host name or *. followed by a domain (punycode for international names)';
  }
  return undefined;
}

/** Whether `hostname` (lower case) matches `pattern`. */
export function matchesDomainPattern(hostname: string, pattern: string): boolean {
  const lower = pattern.toLowerCase();
  if (lower.startsWith('*.')) return hostname.endsWith(lower.slice(1)) && hostname.length > lower.length - 1;
  return hostname === lower;
}

/**
 * Whether a host may be fetched: not matched by `deny`, and matched by `allow` when an allow list
 * is configured.
 */
export function isDomainAllowed(
  hostname: string,
  allow: readonly string[] | undefined,
  deny: readonly string[] | undefined,
): boolean {
  if (deny?.some((pattern) => matchesDomainPattern(hostname, pattern))) return false;
  return allow === undefined || allow.some((pattern) => matchesDomainPattern(hostname, pattern));
}

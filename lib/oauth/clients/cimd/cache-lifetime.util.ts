/**
 * How long a fetched client ID metadata document is cached, in seconds (RFC 9111 freshness,
 * simplified for a private cache):
 * - `Cache-Control: max-age=N` → N minus the `Age` header, if any;
 * - `no-store`, `no-cache`, or no usable `max-age` → 0;
 * then clamped to `[minSeconds, maxSeconds]`: the floor bounds how often one client id makes
 * the server fetch, the ceiling how long a withdrawn document keeps working.
 */
export function cacheLifetimeSeconds(
  cacheControl: string | undefined,
  age: string | undefined,
  minSeconds: number,
  maxSeconds: number,
): number {
  let lifetime = 0;
  const directives = (cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((directive) => directive.trim());
  if (!directives.includes('no-store') && !directives.includes('no-cache')) {
    const maxAge = directives
      .map((directive) => /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(directive)?.[1])
      .find((value) => value !== undefined);
    if (maxAge !== undefined) {
      const ageSeconds = age !== undefined && /^\d{1,10}$/.test(age.trim()) ? Number(age.trim()) : 0;
      lifetime = Math.max(0, Number(maxAge) - ageSeconds);
    }
  }
  return Math.min(Math.max(lifetime, minSeconds), Math.max(minSeconds, maxSeconds));
}

/**
 * Lua scripts of {@link RedisStore}. Redis runs a script atomically: no other command runs
 * between its first and last line, on any connection. Every precondition is checked before the
 * first write, and Redis never stops a script between two writes (not even when it reaches
 * `maxmemory`: only the first write of a script can be refused), so a script is applied fully
 * or not at all.
 *
 * Expiry is always relative (`PX`, `PEXPIRE`): the Redis clock alone decides when a record
 * expires, never a timestamp computed by an application instance (security catalog F-18).
 * @internal
 */

/** Error text a script returns when `increment` meets a record that is not a counter. */
export const NOT_A_COUNTER = 'MCPAUTH_NOT_A_COUNTER';

/**
 * `commit`. KEYS: consume (nc), check (nk), set (ns), delete (nd).
 * ARGV: nc, nk, ns, nd, then per check (mode, expected JSON), then per set (JSON, ttl ms).
 * Returns `{1, consumed values...}`, or `{0, index of the failed key in KEYS}`.
 *
 * Writes come before deletes (a key is never in both): when Redis is full under `noeviction`,
 * the first `SET` is refused and the script changes nothing, whereas a script that started
 * with a `DEL` would be let through whole. Commits without writes (consume, delete) still run,
 * and free memory.
 */
export const COMMIT_SCRIPT = `
local nc, nk, ns, nd = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local result = {1}
for i = 1, nc do
  local value = redis.call('GET', KEYS[i])
  if not value then return {0, i} end
  result[i + 1] = value
end
local a = 5
for i = 1, nk do
  local key, mode, expected = KEYS[nc + i], ARGV[a], ARGV[a + 1]
  a = a + 2
  local holds
  if mode == 'exists' then holds = redis.call('EXISTS', key) == 1
  elseif mode == 'absent' then holds = redis.call('EXISTS', key) == 0
  else holds = redis.call('GET', key) == expected end
  if not holds then return {0, nc + i} end
end
for i = 1, ns do
  redis.call('SET', KEYS[nc + nk + i], ARGV[a], 'PX', ARGV[a + 1])
  a = a + 2
end
for i = 1, nc do redis.call('DEL', KEYS[i]) end
for i = 1, nd do redis.call('DEL', KEYS[nc + nk + ns + i]) end
return result
`;

/**
 * `increment`. KEYS[1]: the counter. ARGV: step, ttl ms. The TTL is set only when the counter
 * has none (it was just created), so the window never slides. Returns `{value, pttl}`.
 */
export const INCREMENT_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^%-?%d+$') then
  return redis.error_reply('${NOT_A_COUNTER}')
end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {value, ttl}
`;

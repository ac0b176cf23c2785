import { createRequire } from 'node:module';
import { TOOL_CALL_BODY } from '../bench.constants.js';
import { LOAD_CPU, type ProcessGroup } from './processes.js';

const autocannonCli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** Load-generator settings shared by every window. */
export const CONNECTIONS = 16;

/** One autocannon window's figures. */
export interface LoadResult {
  /** Mean requests per second over the window's one-second samples. */
  rps: number;
  /** Latency percentiles in milliseconds. */
  p50: number;
  p99: number;
  /** Completed responses. */
  total: number;
  /** Responses with a status other than the expected one (0 for a valid window). */
  unexpected: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Server CPU time per completed response, microseconds (from /proc; measured windows only). */
  cpuUsPerRequest?: number;
  /** Fraction of one core the server used during the window (CPU per request × req/s). */
  coreShare?: number;
}

interface AutocannonJson {
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
  requests: { average: number; total: number };
}

/**
 * Runs autocannon as a child process pinned to the load CPU: POST of the `tools/call` body with
 * 16 keep-alive connections and the bench headers, for `durationS` seconds.
 */
export async function runLoad(
  group: ProcessGroup,
  target: { url: string; token: string; expectStatus: number; durationS: number; label: string },
): Promise<LoadResult> {
  const args = [
    autocannonCli,
    '--json',
    '--connections',
    String(CONNECTIONS),
    '--duration',
    String(target.durationS),
    '--method',
    'POST',
    '--headers',
    'Content-Type=application/json',
    '--headers',
    'Accept=application/json, text/event-stream',
    '--headers',
    `Authorization=Bearer ${target.token}`,
    '--body',
    TOOL_CALL_BODY,
    target.url,
  ];
  const { code, stdout } = await group.run(`autocannon ${target.label}`, LOAD_CPU, process.execPath, args);
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || line === undefined) throw new Error(`autocannon failed for ${target.label} (exit ${code})`);
  const json = JSON.parse(line) as AutocannonJson;
  const statusCodes = Object.fromEntries(
    Object.entries(json.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count]),
  );
  const expected = statusCodes[String(target.expectStatus)] ?? 0;
  return {
    rps: json.requests.average,
    p50: json.latency.p50,
    p99: json.latency.p99,
    total: json.requests.total,
    unexpected: json.requests.total - expected,
    non2xx: json.non2xx,
    errors: json.errors + json.timeouts,
    statusCodes,
  };
}

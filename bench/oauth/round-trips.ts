import type { MonitoredCommand } from './redis.js';

/** GETs closer together than this belong to one revocation re-check (concurrent cache misses). */
const BURST_GAP_S = 0.05;

/** Redis commands our server sent while it answered verified `tools/call` requests. */
export interface RoundTripFindings {
  /** Verified requests answered during the capture (autocannon's count). */
  readonly requests: number;
  /** Length of the capture, seconds of load. */
  readonly seconds: number;
  /** Commands seen by MONITOR, all clients but the runner's. */
  readonly commands: number;
  /** Commands per request, everything included. */
  readonly perRequest: number;
  /** Commands by name and key namespace (`GET oauth-revoked`). */
  readonly byKind: Record<string, number>;
  /** Revocation look-ups (`GET <prefix>oauth-revoked:<grant>`). */
  readonly revocationChecks: number;
  /** Groups of revocation look-ups issued together (one per cache expiry if single-flighted). */
  readonly revocationBursts: number[];
  /** Commands other than revocation look-ups: the common path, target 0. */
  readonly otherCommands: number;
  /**
   * Revocation re-checks after the first one (which the cold start of the window causes), per
   * grant per 10 s of load: 1.0 when the store is asked once per 10 s expiry.
   */
  readonly recheckPer10s: number;
  /** Cross-check: the INFO commandstats delta minus the runner's own INFO and MONITOR. */
  readonly commandStatsDelta: number;
}

const namespaceOf = (key: string | undefined, prefix: string): string => {
  if (key === undefined) return '';
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const colon = rest.indexOf(':');
  return colon < 0 ? rest : rest.slice(0, colon);
};

export function analyzeRoundTrips(
  commands: readonly MonitoredCommand[],
  requests: number,
  seconds: number,
  statsBefore: Record<string, number>,
  statsAfter: Record<string, number>,
  prefix = 'mcp-auth:',
): RoundTripFindings {
  const byKind: Record<string, number> = {};
  const revocationTimes: number[] = [];
  for (const command of commands) {
    const namespace = namespaceOf(command.key, prefix);
    const kind = `${command.name}${namespace ? ` ${namespace}` : ''}`;
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (command.name === 'GET' && namespace === 'oauth-revoked') revocationTimes.push(command.at);
  }
  const bursts: number[] = [];
  let last = -Infinity;
  for (const at of revocationTimes.sort((a, b) => a - b)) {
    if (at - last > BURST_GAP_S) bursts.push(1);
    else bursts[bursts.length - 1] += 1;
    last = at;
  }
  const names = new Set([...Object.keys(statsBefore), ...Object.keys(statsAfter)]);
  let delta = 0;
  for (const name of names) {
    if (name === 'info' || name === 'monitor') continue;
    delta += (statsAfter[name] ?? 0) - (statsBefore[name] ?? 0);
  }
  // The runner's INFO before the capture is counted once it has run; MONITOR once: both excluded above.
  return {
    requests,
    seconds,
    commands: commands.length,
    perRequest: requests > 0 ? commands.length / requests : NaN,
    byKind,
    revocationChecks: revocationTimes.length,
    revocationBursts: bursts,
    otherCommands: commands.length - revocationTimes.length,
    recheckPer10s: seconds > 0 ? (Math.max(0, bursts.length - 1) * 10) / seconds : NaN,
    commandStatsDelta: delta,
  };
}

import { SCENARIOS, type ScenarioId, type ServerId } from '../scenarios.js';
import type { LoadResult } from './load.js';
import type { BenchSettings, MachineFacts } from './settings.js';

export interface ScenarioSummary {
  label: string;
  server: ServerId;
  expectStatus: number;
  /**
   * Medians over rounds. `cpuUsPerRequest`: the server's CPU time per response; `cpuShare`: the
   * fraction of one core the server used during the window (well under 1 means it was starved by
   * other processes or the load generator, so its req/s understate it).
   */
  median: { rps: number; p50: number; p99: number; cpuUsPerRequest?: number; cpuShare?: number };
  /** Sums over rounds: responses with another status, non-2xx responses, connection errors. */
  unexpected: number;
  non2xx: number;
  errors: number;
  rounds: LoadResult[];
}

export interface Target {
  name: string;
  goal: string;
  /** The figure judged, then cross-checks in parentheses. */
  measured: string;
  /** Judged on the ratio of medians (req/s) or the count; `null` when not measured (partial runs). */
  pass: boolean | null;
}

export interface JwksFindings {
  /** JWKS fetches per protected server over the whole run (before the unknown-kid burst). */
  fetches: Partial<Record<ServerId, number>>;
  unknownKid: {
    tokens: number;
    extraFetches: number;
    statuses: Record<string, number>;
    /** Seconds since our server's first fetch: past jose's 30 s cooldown, a refetch is allowed. */
    secondsSinceFirstFetch: number;
  };
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: MachineFacts;
  /** The library measured: commit, and the lib/ files that differed from it at build time. */
  library: { commit: string; uncommittedLibFiles: string[] };
  settings: BenchSettings & { connections: number };
  scenarios: Partial<Record<ScenarioId, ScenarioSummary>>;
  ratios: Record<string, number>;
  /** Server CPU microseconds per request of one scenario minus another (medians). */
  cpuDeltasUs: Record<string, number>;
  jwks: JwksFindings;
  /** RSS after start-up and two test calls, before any load. */
  startupRssMb: Partial<Record<ServerId, number>>;
  /** RSS after the warm-up of every scenario and an idle pause. */
  idleRssMb: Partial<Record<ServerId, number>>;
  /** Measured windows repeated because the server got less than `minCoreShare` of its core. */
  discarded: Array<{ scenario: ScenarioId; round: number; result: LoadResult }>;
  /** Time spent waiting for other processes to leave the bench CPUs, and windows started anyway. */
  quietness: { waitedS: number; windowsStartedBusy: number };
  targets: Target[];
  /** False when a window saw unexpected statuses or errors: the numbers are not trustworthy. */
  valid: boolean;
  problems: string[];
}

const judged = (ratio: number, goal: (ratio: number) => boolean): boolean | null =>
  Number.isNaN(ratio) ? null : goal(ratio);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(id: ScenarioId, rounds: LoadResult[]): ScenarioSummary {
  const scenario = SCENARIOS.find((s) => s.id === id)!;
  const sum = (pick: (r: LoadResult) => number) => rounds.reduce((total, r) => total + pick(r), 0);
  const cpu = rounds.map((r) => r.cpuUsPerRequest).filter((v): v is number => v !== undefined);
  return {
    label: scenario.label,
    server: scenario.server,
    expectStatus: scenario.expectStatus,
    median: {
      rps: median(rounds.map((r) => r.rps)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      cpuUsPerRequest: cpu.length === rounds.length ? median(cpu) : undefined,
      cpuShare:
        cpu.length === rounds.length ? median(rounds.map((r) => ((r.cpuUsPerRequest ?? 0) * r.rps) / 1e6)) : undefined,
    },
    unexpected: sum((r) => r.unexpected),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    rounds,
  };
}

/** Ratios of medians, CPU-per-request differences, and the targets of issue 2 ("Performance"). */
export function evaluate(
  scenarios: Partial<Record<ScenarioId, ScenarioSummary>>,
  jwks: JwksFindings,
): { ratios: Record<string, number>; cpuDeltasUs: Record<string, number>; targets: Target[] } {
  const rps = (id: ScenarioId) => scenarios[id]?.median.rps ?? Number.NaN;
  const cpu = (id: ScenarioId) => scenarios[id]?.median.cpuUsPerRequest ?? Number.NaN;
  const ratios = {
    oursProtectedVsUnprotected: rps('ours-protected') / rps('ours-unprotected'),
    oursProtectedVsSdkProtected: rps('ours-protected') / rps('sdk-protected'),
    badSignatureVsValid: rps('ours-protected-badsig') / rps('ours-protected'),
    cacheOffVsUnprotected: rps('ours-nocache') / rps('ours-unprotected'),
    cacheOffVsSdkProtected: rps('ours-nocache') / rps('sdk-protected'),
    cacheOffBadSignatureVsValid: rps('ours-nocache-badsig') / rps('ours-nocache'),
    oursProtectedVsBareNest: rps('ours-protected') / rps('nest-bare'),
  };
  const cpuDeltasUs = {
    authCacheHit: cpu('ours-protected') - cpu('ours-unprotected'),
    authFullVerification: cpu('ours-nocache') - cpu('ours-unprotected'),
    sdkMinusOurs: cpu('sdk-protected') - cpu('ours-protected'),
  };
  // Cross-checks less exposed to a shared machine's noise than a ratio of medians.
  const perRound = (a: ScenarioId, b: ScenarioId) => {
    const ra = scenarios[a]?.rounds ?? [];
    const rb = scenarios[b]?.rounds ?? [];
    const n = Math.min(ra.length, rb.length);
    return n === 0 ? Number.NaN : median(Array.from({ length: n }, (_, i) => ra[i].rps / rb[i].rps));
  };
  const crossChecks = {
    oursProtectedVsUnprotectedPerRound: perRound('ours-protected', 'ours-unprotected'),
    oursProtectedVsSdkProtectedPerRound: perRound('ours-protected', 'sdk-protected'),
    badSignatureVsValidPerRound: perRound('ours-protected-badsig', 'ours-protected'),
    /** Throughput ratio implied by CPU per request on a saturated core: cost(b) / cost(a). */
    oursProtectedVsUnprotectedByCpu: cpu('ours-unprotected') / cpu('ours-protected'),
    oursProtectedVsSdkProtectedByCpu: cpu('sdk-protected') / cpu('ours-protected'),
    badSignatureVsValidByCpu: cpu('ours-protected') / cpu('ours-protected-badsig'),
  };
  const fetches = jwks.fetches['ours-protected'] ?? 0;
  const x = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(2)}×`);
  const targets: Target[] = [
    {
      name: 'ours protected / ours unprotected (req/s)',
      goal: '≥ 0.90',
      measured: `${x(ratios.oursProtectedVsUnprotected)} (per round ${x(crossChecks.oursProtectedVsUnprotectedPerRound)}, by CPU ${x(crossChecks.oursProtectedVsUnprotectedByCpu)})`,
      pass: judged(ratios.oursProtectedVsUnprotected, (r) => r >= 0.9),
    },
    {
      name: 'ours protected / SDK v2 recipe protected (req/s)',
      goal: '≥ 1.5',
      measured: `${x(ratios.oursProtectedVsSdkProtected)} (per round ${x(crossChecks.oursProtectedVsSdkProtectedPerRound)}, by CPU ${x(crossChecks.oursProtectedVsSdkProtectedByCpu)})`,
      pass: judged(ratios.oursProtectedVsSdkProtected, (r) => r >= 1.5),
    },
    {
      name: 'JWKS fetches by our server during the whole run',
      goal: 'exactly 1',
      measured: `${fetches} (in ${Math.round(jwks.unknownKid.secondsSinceFirstFetch)} s)`,
      pass: fetches === 1,
    },
    {
      name: `extra JWKS fetches for ${jwks.unknownKid.tokens} concurrent unknown-kid tokens`,
      goal: '≤ 1',
      measured: String(jwks.unknownKid.extraFetches),
      pass: jwks.unknownKid.extraFetches <= 1 && jwks.unknownKid.statuses['401'] === jwks.unknownKid.tokens,
    },
    {
      name: 'bad-signature rejections / valid calls on our server (req/s)',
      goal: '≥ 1.0',
      measured: `${x(ratios.badSignatureVsValid)} (per round ${x(crossChecks.badSignatureVsValidPerRound)}, by CPU ${x(crossChecks.badSignatureVsValidByCpu)})`,
      pass: judged(ratios.badSignatureVsValid, (r) => r >= 1),
    },
  ];
  return { ratios: { ...ratios, ...crossChecks }, cpuDeltasUs, targets };
}

import type { LoadResult } from '../harness/load.js';
import { median } from '../harness/summary.js';
import type { FlowWindowResult } from './flow-window.js';
import type { RoundTripFindings } from './round-trips.js';
import type { FlowScenario, OAuthServerId, ToolScenario } from './scenarios.js';

export interface FlowSummary {
  label: string;
  server: OAuthServerId;
  comparison: boolean;
  /** Medians over rounds; CPU per flow and core shares by process (`server`, `upstream`, `redis`). */
  median: {
    flowsPerSecond: number;
    p50: number;
    p99: number;
    requestsPerFlow: number;
    driverCpuUsPerFlow: number;
    cpuUsPerFlow: Record<string, number>;
    coreShare: Record<string, number>;
  };
  failures: number;
  failureSamples: string[];
  rounds: FlowWindowResult[];
}

export interface ToolSummary {
  label: string;
  server: OAuthServerId;
  median: { rps: number; p50: number; p99: number; cpuUsPerRequest?: number; cpuShare?: number };
  unexpected: number;
  non2xx: number;
  errors: number;
  rounds: LoadResult[];
}

export interface Ratio {
  /** Ratio of the medians (the judged figure). */
  medians: number;
  /** Median of the same ratio within each round. */
  perRound: number;
  /** Throughput ratio implied by CPU time per unit of work (flow or request). */
  byCpu: number;
}

export interface OAuthTarget {
  name: string;
  goal: string;
  measured: string;
  /** `null` when not measured (partial runs). */
  pass: boolean | null;
}

const definedMedian = (values: Array<number | undefined>): number => {
  const present = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return present.length ? median(present) : NaN;
};

export function summarizeFlows(
  scenarios: readonly FlowScenario[],
  results: Map<string, FlowWindowResult[]>,
): Record<string, FlowSummary> {
  const out: Record<string, FlowSummary> = {};
  for (const scenario of scenarios) {
    const rounds = results.get(scenario.id) ?? [];
    const processes = [...new Set(rounds.flatMap((r) => Object.keys(r.cpuUsPerFlow)))];
    out[scenario.id] = {
      label: scenario.label,
      server: scenario.server,
      comparison: scenario.comparison ?? false,
      median: {
        flowsPerSecond: definedMedian(rounds.map((r) => r.flowsPerSecond)),
        p50: definedMedian(rounds.map((r) => r.p50)),
        p99: definedMedian(rounds.map((r) => r.p99)),
        requestsPerFlow: definedMedian(rounds.map((r) => r.requestsPerFlow)),
        driverCpuUsPerFlow: definedMedian(rounds.map((r) => r.driverCpuUsPerFlow)),
        cpuUsPerFlow: Object.fromEntries(
          processes.map((p) => [p, definedMedian(rounds.map((r) => r.cpuUsPerFlow[p]))]),
        ),
        coreShare: Object.fromEntries(processes.map((p) => [p, definedMedian(rounds.map((r) => r.coreShare[p]))])),
      },
      failures: rounds.reduce((sum, r) => sum + r.failures, 0),
      failureSamples: rounds.flatMap((r) => r.failureSamples).slice(0, 5),
      rounds,
    };
  }
  return out;
}

export function summarizeTools(
  scenarios: readonly ToolScenario[],
  results: Map<string, LoadResult[]>,
): Record<string, ToolSummary> {
  const out: Record<string, ToolSummary> = {};
  for (const scenario of scenarios) {
    const rounds = results.get(scenario.id) ?? [];
    const sum = (pick: (r: LoadResult) => number) => rounds.reduce((total, r) => total + pick(r), 0);
    out[scenario.id] = {
      label: scenario.label,
      server: scenario.server,
      median: {
        rps: definedMedian(rounds.map((r) => r.rps)),
        p50: definedMedian(rounds.map((r) => r.p50)),
        p99: definedMedian(rounds.map((r) => r.p99)),
        cpuUsPerRequest: definedMedian(rounds.map((r) => r.cpuUsPerRequest)),
        cpuShare: definedMedian(rounds.map((r) => r.coreShare)),
      },
      unexpected: sum((r) => r.unexpected),
      non2xx: sum((r) => r.non2xx),
      errors: sum((r) => r.errors),
      rounds,
    };
  }
  return out;
}

function ratio(
  a: { rate: number[]; cpu: Array<number | undefined> } | undefined,
  b: { rate: number[]; cpu: Array<number | undefined> } | undefined,
): Ratio {
  if (!a || !b || a.rate.length === 0 || b.rate.length === 0) return { medians: NaN, perRound: NaN, byCpu: NaN };
  const perRound = a.rate.slice(0, Math.min(a.rate.length, b.rate.length)).map((value, i) => value / b.rate[i]);
  return {
    medians: median(a.rate) / median(b.rate),
    perRound: median(perRound),
    // Throughput is inversely proportional to CPU per unit of work on a saturated core.
    byCpu: definedMedian(b.cpu) / definedMedian(a.cpu),
  };
}

const flowSeries = (s: FlowSummary | undefined) =>
  s && { rate: s.rounds.map((r) => r.flowsPerSecond), cpu: s.rounds.map((r) => r.cpuUsPerFlow.server) };
const toolSeries = (s: ToolSummary | undefined) =>
  s && { rate: s.rounds.map((r) => r.rps), cpu: s.rounds.map((r) => r.cpuUsPerRequest) };

const x = (n: number) => (Number.isNaN(n) ? '—' : `${n.toFixed(2)}×`);
const describeRatio = (r: Ratio) => `${x(r.medians)} (per round ${x(r.perRound)}, by CPU ${x(r.byCpu)})`;

export function evaluateOAuth(
  flows: Record<string, FlowSummary>,
  tools: Record<string, ToolSummary>,
  trips: Record<string, RoundTripFindings>,
): { ratios: Record<string, Ratio>; targets: OAuthTarget[] } {
  const ratios: Record<string, Ratio> = {
    'flows: level 3, Redis / memory': ratio(flowSeries(flows['flow-l3-redis']), flowSeries(flows['flow-l3-memory'])),
    'flows: level 4, Redis / memory': ratio(flowSeries(flows['flow-l4-redis']), flowSeries(flows['flow-l4-memory'])),
    'flows: level 4 / level 3 (memory)': ratio(
      flowSeries(flows['flow-l4-memory']),
      flowSeries(flows['flow-l3-memory']),
    ),
    'flows: level 4 built-in users (scrypt) / direct password check': ratio(
      flowSeries(flows['flow-l4-scrypt']),
      flowSeries(flows['flow-l4-memory']),
    ),
    'flows: level 3, oidc-provider upstream / local upstream': ratio(
      flowSeries(flows['flow-l3-oidc-provider']),
      flowSeries(flows['flow-l3-memory']),
    ),
    'tools/call: level 3 own token / level 1 JWT': ratio(toolSeries(tools['tools-l3']), toolSeries(tools['tools-l1'])),
    'tools/call: level 4 own token / level 1 JWT': ratio(toolSeries(tools['tools-l4']), toolSeries(tools['tools-l1'])),
    'tools/call: level 3 own token, Redis store / level 1 JWT': ratio(
      toolSeries(tools['tools-l3-redis']),
      toolSeries(tools['tools-l1']),
    ),
    'tools/call: level 4 own token, Redis store / level 1 JWT': ratio(
      toolSeries(tools['tools-l4-redis']),
      toolSeries(tools['tools-l1']),
    ),
  };
  const judged = (value: number, goal: (v: number) => boolean) => (Number.isNaN(value) ? null : goal(value));
  const targets: OAuthTarget[] = [];
  for (const level of [3, 4]) {
    const r = ratios[`tools/call: level ${level} own token / level 1 JWT`];
    targets.push({
      name: `tools/call with a level-${level} token / level-1 JWT path (req/s)`,
      goal: '≥ 0.90',
      measured: describeRatio(r),
      pass: judged(r.medians, (v) => v >= 0.9),
    });
  }
  for (const [id, level] of [
    ['tools-l3-redis', 3],
    ['tools-l4-redis', 4],
  ] as const) {
    const f = trips[id];
    targets.push({
      name: `Redis round trips per verified request, level ${level}, common path (all but the revocation re-check)`,
      goal: '0',
      measured: f
        ? `${f.otherCommands} commands for ${f.requests.toLocaleString('en-US')} requests; with the re-checks ${f.perRequest.toExponential(1)} per request`
        : '—',
      pass: f ? f.otherCommands === 0 : null,
    });
    const largest = f && f.revocationBursts.length ? Math.max(...f.revocationBursts) : 0;
    targets.push({
      name: `Revocation re-checks, level ${level}: GETs per grant per 10 s`,
      goal: '≤ 1 per 10 s, 1 GET each',
      measured: f
        ? `${f.revocationChecks} GETs in ${f.revocationBursts.length} look-up(s) over ${f.seconds} s from a cold start: ${f.recheckPer10s.toFixed(2)} re-checks per 10 s after the first; largest burst ${largest} GET(s)`
        : '—',
      pass: f ? largest <= 1 && f.recheckPer10s <= 1.05 : null,
    });
  }
  const l3 = flows['flow-l3-memory'];
  if (l3) {
    const server = l3.median.cpuUsPerFlow.server;
    const upstream = l3.median.cpuUsPerFlow.upstream;
    targets.push({
      name: 'Local upstream is not the bottleneck of level-3 flows (upstream CPU per flow / ours; our core use)',
      goal: '< 0.5, ≥ 85%',
      measured: `${x(upstream / server)}; ${Math.round((l3.median.coreShare.server ?? NaN) * 100)}%`,
      pass: judged(upstream / server, (v) => v < 0.5 && (l3.median.coreShare.server ?? 0) >= 0.85),
    });
  }
  return { ratios, targets };
}

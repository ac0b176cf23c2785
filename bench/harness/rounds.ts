import type { Scenario, ScenarioId } from '../scenarios.js';
import { runLoad, type LoadResult } from './load.js';
import { cpuSeconds, type ProcessGroup } from './processes.js';
import { waitForQuiet } from './quiet.js';
import type { BenchSettings } from './settings.js';
import type { BenchReport } from './summary.js';

const MAX_RETRIES_PER_WINDOW = 2;

/** Where a scenario's load goes. */
export interface LoadTarget {
  readonly url: string;
  readonly token: string;
  /** The server process, for its CPU time. */
  readonly pid: number;
}

/**
 * One autocannon window. Measured windows also get the server's CPU time per response and the
 * share of its core it used. Throws when a server crashed meanwhile.
 */
export async function loadWindow(
  group: ProcessGroup,
  scenario: Scenario,
  target: LoadTarget,
  durationS: number,
  measured: boolean,
): Promise<LoadResult> {
  const cpuBefore = measured ? await cpuSeconds(target.pid) : undefined;
  const result = await runLoad(group, {
    url: target.url,
    token: target.token,
    expectStatus: scenario.expectStatus,
    durationS,
    label: scenario.id,
  });
  const cpuAfter = measured ? await cpuSeconds(target.pid) : undefined;
  if (group.crashes.length > 0) throw new Error(`server crashed:\n${group.crashes.join('\n')}`);
  if (cpuBefore !== undefined && cpuAfter !== undefined && result.total > 0) {
    result.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result.total;
    result.coreShare = (result.cpuUsPerRequest * result.rps) / 1e6;
  }
  return result;
}

export interface RoundsOutcome {
  results: Map<ScenarioId, LoadResult[]>;
  discarded: BenchReport['discarded'];
  quietness: BenchReport['quietness'];
}

/**
 * The measured rounds: every scenario in turn, in an order rotated each round, each as an
 * unrecorded warm-up window then a measured one. Before each window it waits for other processes
 * to leave the bench CPUs; a window in which the server was starved is measured again. Both only
 * spend slack: the rounds must be over by `deadline` (epoch ms).
 */
export async function runRounds(
  group: ProcessGroup,
  settings: BenchSettings,
  scenarios: readonly Scenario[],
  targetOf: (scenario: Scenario) => LoadTarget,
  deadline: number,
  say: (line: string) => void,
): Promise<RoundsOutcome> {
  const perWindowS = settings.warmupS + settings.durationS + 1;
  let remainingWindows = scenarios.length * settings.rounds;
  const slackS = () => (deadline - Date.now()) / 1000 - remainingWindows * perWindowS;

  const results = new Map<ScenarioId, LoadResult[]>(scenarios.map((s) => [s.id, []]));
  const discarded: BenchReport['discarded'] = [];
  const quietness: BenchReport['quietness'] = { waitedS: 0, windowsStartedBusy: 0 };
  for (let round = 0; round < settings.rounds; round++) {
    // Interleaved, in an order rotated each round so no stack always follows the same neighbour.
    const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]);
    for (const scenario of order) {
      const target = targetOf(scenario);
      for (let attempt = 0; ; attempt++) {
        if (settings.quietWaitS > 0) {
          const { waitedMs, quiet } = await waitForQuiet(Math.max(0, Math.min(settings.quietWaitS, slackS())) * 1000);
          quietness.waitedS += waitedMs / 1000;
          if (!quiet) quietness.windowsStartedBusy += 1;
        }
        await loadWindow(group, scenario, target, settings.warmupS, false);
        const result = await loadWindow(group, scenario, target, settings.durationS, true);
        say(describe(`round ${round + 1}/${settings.rounds}`, scenario, result));
        // A server that got well under its core was starved by other processes: measure again.
        const starved = result.coreShare !== undefined && result.coreShare < settings.minCoreShare;
        if (!starved || attempt >= MAX_RETRIES_PER_WINDOW || slackS() < perWindowS) {
          results.get(scenario.id)!.push(result);
          remainingWindows -= 1;
          break;
        }
        discarded.push({ scenario: scenario.id, round: round + 1, result });
        say(`    starved (under ${Math.round(settings.minCoreShare * 100)}% of its core): window repeated`);
      }
    }
  }
  return { results, discarded, quietness };
}

function describe(prefix: string, scenario: Scenario, r: LoadResult): string {
  const core = r.coreShare === undefined ? '?' : Math.round(r.coreShare * 100);
  return (
    `  ${prefix} ${scenario.id.padEnd(22)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms` +
    `  cpu ${r.cpuUsPerRequest?.toFixed(0) ?? '?'} µs/req (${core}% of its core)  ${JSON.stringify(r.statusCodes)}` +
    (r.errors ? `  errors ${r.errors}` : '')
  );
}

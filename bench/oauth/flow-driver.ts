/**
 * Load generator of the flow benchmark, run by the runner as a child process pinned to the load
 * CPU. `BENCH_FLOW` (JSON of {@link DriverConfig}) says where and how long. It keeps
 * `concurrency` complete flows in progress: `warmupS` seconds unrecorded, then `durationS`
 * measured. It prints `FLOW_PHASE start` and `FLOW_PHASE end` the moment the measured window
 * opens and closes (the runner reads the servers' CPU time there), waits for the flows still in
 * progress, and prints `FLOW_RESULT {...}`: flows completed inside the window, their latencies,
 * failures (with the first messages) and the driver's own CPU time.
 */
import { HttpClient, runFlow, type FlowTarget } from './flow-client.js';

/**
 * Who signs in (our level-4 page, or the upstream's sign-in page of oidc-provider): `per-flow`
 * gives every flow a user never seen before (`bench-user-<driver>-<worker>-<n>`, many users who
 * authorize once), `per-worker` gives each concurrent flow slot its own user (`bench-user-<i>`,
 * users configured on the server), so one user never has two sign-ins in progress.
 */
export interface DriverUsers {
  readonly password: string;
  readonly usernames: 'per-flow' | 'per-worker';
}

export interface DriverConfig {
  readonly target: FlowTarget;
  readonly users?: DriverUsers;
  readonly concurrency: number;
  readonly warmupS: number;
  readonly durationS: number;
}

export interface DriverResult {
  /** Flows that completed inside the measured window. */
  flows: number;
  /** Window length, seconds (from the `start` to the `end` marker). */
  seconds: number;
  flowsPerSecond: number;
  /** Latency of those flows, ms. */
  p50: number;
  p99: number;
  /** HTTP requests per completed flow (client side). */
  requestsPerFlow: number;
  /** Failed flows over the whole run (warm-up included) and the first few messages. */
  failures: number;
  failureSamples: string[];
  /** CPU time of this process per measured flow, µs (user + system). */
  driverCpuUsPerFlow: number;
}

const config = JSON.parse(process.env.BENCH_FLOW ?? '') as DriverConfig;
const http = new HttpClient(config.concurrency);
const now = () => performance.now();

const started = now();
const windowStart = started + config.warmupS * 1000;
const windowEnd = windowStart + config.durationS * 1000;
const latencies: number[] = [];
let requests = 0;
let failures = 0;
const failureSamples: string[] = [];
let cpuAtStart: NodeJS.CpuUsage | undefined;
let cpuAtEnd: NodeJS.CpuUsage | undefined;

const phaseTimers = [
  setTimeout(() => {
    cpuAtStart = process.cpuUsage();
    process.stdout.write('FLOW_PHASE start\n');
  }, windowStart - started),
  setTimeout(() => {
    cpuAtEnd = process.cpuUsage(cpuAtStart);
    process.stdout.write('FLOW_PHASE end\n');
  }, windowEnd - started),
];

async function worker(index: number): Promise<void> {
  for (let n = 0; now() < windowEnd; n++) {
    const begin = now();
    const users = config.users;
    const username =
      users?.usernames === 'per-flow' ? `bench-user-${process.pid}-${index}-${n}` : `bench-user-${index}`;
    const target = users ? { ...config.target, user: { username, password: users.password } } : config.target;
    try {
      const outcome = await runFlow(http, target);
      const end = now();
      // A rate counts the flows that complete inside the window, whenever they started.
      if (end >= windowStart && end <= windowEnd) {
        latencies.push(end - begin);
        requests += outcome.requests;
      }
    } catch (error) {
      failures += 1;
      if (failureSamples.length < 5) failureSamples.push(error instanceof Error ? error.message : String(error));
    }
  }
}

await Promise.all(Array.from({ length: config.concurrency }, (_, index) => worker(index)));
for (const timer of phaseTimers) clearTimeout(timer);
http.close();

const sorted = latencies.sort((a, b) => a - b);
const pick = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
const cpu = cpuAtEnd ?? process.cpuUsage(cpuAtStart);
const result: DriverResult = {
  flows: sorted.length,
  seconds: config.durationS,
  flowsPerSecond: sorted.length / config.durationS,
  p50: pick(0.5),
  p99: pick(0.99),
  requestsPerFlow: sorted.length ? requests / sorted.length : NaN,
  failures,
  failureSamples,
  driverCpuUsPerFlow: sorted.length ? (cpu.user + cpu.system) / sorted.length : NaN,
};
process.stdout.write(`FLOW_RESULT ${JSON.stringify(result)}\n`);

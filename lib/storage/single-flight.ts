import { setTimeout as sleep } from 'node:timers/promises';
import { McpAuthHttpError } from '../core/errors/mcp-auth.error.js';
import type { McpAuthStore } from './mcp-auth-store.interface.js';
import { generateSecret } from './secret-key.js';
import { SingleFlightError } from './storage.errors.js';
import { StoreNamespace, type StoreKey } from './store-key.js';

/**
 * Settings of {@link SingleFlight}.
 * @publicApi
 */
export interface SingleFlightSettings {
  /**
   * How long the instance doing the work holds the flight. If it crashes, another instance
   * takes over after this time. Keep it above the work's own timeout: a flight still running
   * when its lock expires may run a second time elsewhere.
   * @default 10000
   */
  lockTtlMs?: number;
  /**
   * Longest time a caller waits for another instance's result before failing with
   * `SingleFlightError` (503).
   * @default 10000
   */
  waitTimeoutMs?: number;
  /**
   * How long a finished flight's result stays readable for callers on other instances that are
   * still polling (and for callers arriving meanwhile, which get it without running the work).
   * @default 3000
   */
  resultTtlMs?: number;
}

/** What a finished flight leaves for the callers waiting on other instances. */
type FlightOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: number; readonly error: string | null; readonly message: string };

/** A flight record: held by `owner`, then finished with an `outcome`. */
interface FlightRecord {
  readonly owner: string;
  readonly outcome?: FlightOutcome;
}

const FLIGHTS = new StoreNamespace<FlightRecord>('flight');
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/**
 * Runs a piece of work once for all callers asking for it at the same time, in this process
 * and across every instance sharing the store: the primitive behind the transparent refresh
 * of an upstream token, which must not be refreshed twice (most providers rotate refresh
 * tokens, and a second refresh would use a spent one).
 *
 * - Callers in one process share one promise (in-process coalescing).
 * - Across instances, the first to create the flight record (`SET NX PX` with a random owner
 *   token) runs the work; the others poll the record with exponential backoff (10 ms to
 *   200 ms, jittered) until the result appears, at most `waitTimeoutMs`.
 * - The result is published only by the owner (compare-and-swap on its token), so an owner
 *   whose lock expired cannot overwrite a newer flight.
 * - A crashed owner's record expires after `lockTtlMs`; a waiter then takes over.
 *
 * Results must be JSON-serialisable (they are stored). When the work fails, callers in the
 * same process get its error; callers on other instances get a {@link SingleFlightError} with
 * the same HTTP status and OAuth `error` (503 `temporarily_unavailable` for errors that are not
 * `McpAuthHttpError`s).
 *
 * @example
 * ```ts
 * const tokens = await flights.run(`upstream-refresh:${grantId}`, () => refreshUpstream(grantId));
 * ```
 * @publicApi
 */
export class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly lockTtlMs: number;
  private readonly waitTimeoutMs: number;
  private readonly resultTtlMs: number;

  constructor(
    private readonly store: McpAuthStore,
    settings: SingleFlightSettings = {},
  ) {
    const { lockTtlMs = 10_000, waitTimeoutMs = 10_000, resultTtlMs = 3_000 } = settings;
    for (const [name, value] of Object.entries({ lockTtlMs, waitTimeoutMs, resultTtlMs })) {
      if (!Number.isSafeInteger(value) || value < 1)
        throw new RangeError(`SingleFlight: ${name} must be an integer >= 1`);
    }
    this.lockTtlMs = lockTtlMs;
    this.waitTimeoutMs = waitTimeoutMs;
    this.resultTtlMs = resultTtlMs;
  }

  /**
   * Runs `work` unless a flight named `name` is already under way, and returns its result.
   * @param name identifies the work, e.g. `upstream-refresh:<grant id>`.
   * @throws what `work` throws (same process), {@link SingleFlightError} (other instance
   *   failed, or no result in time), or `StorageUnavailableError`.
   */
  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const pending = this.inflight.get(name);
    if (pending) return pending as Promise<T>;
    const flight = this.fly(FLIGHTS.key(name), work).finally(() => {
      if (this.inflight.get(name) === flight) this.inflight.delete(name);
    });
    this.inflight.set(name, flight);
    return flight;
  }

  private async fly<T>(key: StoreKey<FlightRecord>, work: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.waitTimeoutMs;
    let delay = FIRST_POLL_MS;
    for (;;) {
      const owner = generateSecret(16);
      if (await this.store.setIfAbsent(key, { owner }, this.lockTtlMs)) return this.lead(key, owner, work);
      const record = await this.store.get(key);
      if (record?.outcome) return settle<T>(record.outcome);
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new SingleFlightError(
          `No result from the instance doing this work within ${this.waitTimeoutMs} ms`,
          'timeout',
        );
      }
      // Record gone: the flight just ended or expired, so try to take it at once.
      if (record) {
        await sleep(Math.min(remaining, delay * (0.5 + Math.random() / 2)));
        delay = Math.min(delay * 2, MAX_POLL_MS);
      }
    }
  }

  private async lead<T>(key: StoreKey<FlightRecord>, owner: string, work: () => Promise<T>): Promise<T> {
    let outcome: FlightOutcome;
    try {
      const value = await work();
      outcome = { ok: true, value };
      await this.publish(key, owner, outcome);
      return value;
    } catch (error) {
      outcome = describeFailure(error);
      await this.publish(key, owner, outcome);
      throw error;
    }
  }

  /** Publishes the outcome if this owner still holds the flight. Never throws. */
  private async publish(key: StoreKey<FlightRecord>, owner: string, outcome: FlightOutcome): Promise<void> {
    try {
      await this.store.commit({
        check: [{ key, equals: { owner } }],
        set: [{ key, value: { owner, outcome }, ttlMs: this.resultTtlMs }],
      });
    } catch {
      // Storage failed or the result is not JSON: waiters then time out or take over once the
      // flight record expires; this caller still gets its own result.
    }
  }
}

function settle<T>(outcome: FlightOutcome): T {
  if (outcome.ok) return outcome.value as T;
  throw new SingleFlightError(outcome.message, 'failed', { status: outcome.status, error: outcome.error ?? undefined });
}

function describeFailure(error: unknown): FlightOutcome {
  if (error instanceof McpAuthHttpError) {
    return { ok: false, status: error.status, error: error.error ?? null, message: error.description };
  }
  return {
    ok: false,
    status: 503,
    error: 'temporarily_unavailable',
    message: 'The operation failed on another instance',
  };
}

import { InvalidTokenError } from '../core/errors/token.errors.js';
import type { McpAuthClock } from '../core/clock.js';
import { MemoryStore } from './memory-store.js';
import { SingleFlight } from './single-flight.js';
import { SingleFlightError } from './storage.errors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise settled by the test. */
function gate<T>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('SingleFlight', () => {
  let now: number;
  const clock: McpAuthClock = { now: () => now };
  let store: MemoryStore;

  beforeEach(() => {
    now = 1_700_000_000_000;
    store = new MemoryStore({}, clock);
  });
  afterEach(() => store.close());

  it('runs the work once for concurrent callers in one process', async () => {
    const flights = new SingleFlight(store);
    let runs = 0;
    const work = async () => {
      runs += 1;
      await sleep(20);
      return { token: `t${runs}` };
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => flights.run('refresh:g1', work)));
    expect(runs).toBe(1);
    expect(new Set(results.map((r) => r.token))).toEqual(new Set(['t1']));
  });

  it('runs the work once for 20 callers spread over two instances sharing a store', async () => {
    const instances = [new SingleFlight(store), new SingleFlight(store)];
    let runs = 0;
    const work = async () => {
      runs += 1;
      await sleep(50);
      return 'fresh-token';
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.run('refresh:g1', work)));
    expect(runs).toBe(1);
    expect(results).toEqual(Array(20).fill('fresh-token'));
  });

  it('keeps different flights apart', async () => {
    const flights = new SingleFlight(store);
    const results = await Promise.all(['a', 'b', 'c'].map((name) => flights.run(name, async () => name)));
    expect(results).toEqual(['a', 'b', 'c']);
  });

  it('runs again once the previous result has expired', async () => {
    const flights = new SingleFlight(store, { resultTtlMs: 1000 });
    let runs = 0;
    const work = async () => (runs += 1);
    expect(await flights.run('x', work)).toBe(1);
    expect(await new SingleFlight(store, { resultTtlMs: 1000 }).run('x', work)).toBe(1); // result reused
    now += 1000;
    expect(await flights.run('x', work)).toBe(2);
  });

  it("gives callers on other instances the failure's HTTP status and OAuth error", async () => {
    const [a, b] = [new SingleFlight(store), new SingleFlight(store)];
    const upstream = gate<string>();
    const leader = a.run('refresh', () => upstream.promise);
    const sameProcess = a.run('refresh', () => Promise.resolve('never'));
    const otherInstance = b.run('refresh', () => Promise.resolve('never'));
    await sleep(20);
    const failure = new InvalidTokenError('The upstream grant was revoked');
    upstream.fail(failure);
    await expect(leader).rejects.toBe(failure);
    await expect(sameProcess).rejects.toBe(failure);
    const error = await otherInstance.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SingleFlightError);
    expect(error).toMatchObject({ reason: 'failed', status: 401, error: 'invalid_token' });
    expect((error as SingleFlightError).message).toBe('The upstream grant was revoked');
  });

  it('reports other failures to other instances as 503 temporarily_unavailable, without their details', async () => {
    const [a, b] = [new SingleFlight(store), new SingleFlight(store)];
    const upstream = gate<string>();
    const leader = a.run('refresh', () => upstream.promise);
    const otherInstance = b.run('refresh', () => Promise.resolve('never'));
    await sleep(20);
    upstream.fail(new Error('ECONNRESET 10.0.0.7:443'));
    await expect(leader).rejects.toThrow('ECONNRESET');
    const error = await otherInstance.catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'failed', status: 503, error: 'temporarily_unavailable' });
    expect((error as Error).message).not.toContain('10.0.0.7');
  });

  it('lets a waiter take over when the owner crashed (its lock expired)', async () => {
    const crashed = new SingleFlight(store, { lockTtlMs: 1000 });
    void crashed.run('refresh', () => new Promise<string>(() => undefined)); // never finishes
    await sleep(10);
    let runs = 0;
    const survivor = new SingleFlight(store, { lockTtlMs: 1000 }).run('refresh', async () => {
      runs += 1;
      return 'taken-over';
    });
    await sleep(50);
    expect(runs).toBe(0); // still waiting for the owner
    now += 1000;
    expect(await survivor).toBe('taken-over');
    expect(runs).toBe(1);
  });

  it('does not let an owner whose lock expired overwrite the newer flight', async () => {
    const slowWork = gate<string>();
    const slow = new SingleFlight(store, { lockTtlMs: 1000 }).run('refresh', () => slowWork.promise);
    await sleep(10);
    now += 1000; // the slow owner's lock expires
    const fast = await new SingleFlight(store, { lockTtlMs: 1000 }).run('refresh', async () => 'newer');
    expect(fast).toBe('newer');
    slowWork.open('stale');
    expect(await slow).toBe('stale'); // its own caller still gets its result ...
    const late = await new SingleFlight(store).run('refresh', async () => 'ran-again');
    expect(late).toBe('newer'); // ... but the published one is the newer flight's
  });

  it('fails a waiter with 503 after waitTimeoutMs', async () => {
    void new SingleFlight(store).run('stuck', () => new Promise<string>(() => undefined));
    await sleep(10);
    const started = performance.now();
    const error = await new SingleFlight(store, { waitTimeoutMs: 150 })
      .run('stuck', async () => 'never')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SingleFlightError);
    expect(error).toMatchObject({ reason: 'timeout', status: 503, error: 'temporarily_unavailable' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it.each([{ lockTtlMs: 0 }, { waitTimeoutMs: -1 }, { resultTtlMs: 1.5 }])('refuses the settings %p', (settings) => {
    expect(() => new SingleFlight(store, settings)).toThrow(RangeError);
  });
});

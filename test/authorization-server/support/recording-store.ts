import {
  StorageUnavailableError,
  type McpAuthStore,
  type RecordsOf,
  type StoreCommitResult,
  type StoreCounter,
  type StoreKey,
  type StoreTransaction,
} from 'nestjs-mcp-auth';

/** One operation that reached the store. */
export interface StoreOperation {
  readonly op: 'get' | 'set' | 'setIfAbsent' | 'update' | 'consume' | 'delete' | 'increment' | 'commit';
  /** Namespaces of the records the operation writes (empty for reads). */
  readonly writes: readonly string[];
  /** Namespaces of every key it touches. */
  readonly namespaces: readonly string[];
  /** Time to live of each record written with one, by namespace. */
  readonly ttls?: ReadonlyArray<{ readonly namespace: string; readonly ttlMs: number }>;
}

/** Decides whether an operation fails with a storage outage (fault injection, S-06 / F-14). */
export type StoreFault = (operation: StoreOperation) => boolean;

/**
 * Namespaces written by requests that are refused on purpose: rate-limit and throttling
 * counters (security catalog I-1 allows them), plus the touch of a client's unused-TTL.
 */
export const COUNTER_NAMESPACES: readonly string[] = ['dcr-rate', 'authorize-rate', 'oauth-login-fail', 'oauth-client'];

/**
 * A real store (memory or Redis) with a log of what reached it and an optional fault injector.
 * The module gets it as a `custom` store, so every endpoint's storage traffic can be checked:
 * "nothing stored" after a refused request (I-1), and "a write that fails leaves no token
 * behind" (S-06, F-14). It closes the real store with the application.
 */
export class RecordingStore implements McpAuthStore {
  readonly log: StoreOperation[] = [];
  /** When set, matching operations reject with StorageUnavailableError before reaching the store. */
  fault: StoreFault | undefined;

  constructor(readonly inner: McpAuthStore) {}

  /** Position in the log, to compare with {@link writtenSince}. */
  mark(): number {
    return this.log.length;
  }

  /** Namespaces written since `mark`, without rate-limit counters unless `all`. */
  writtenSince(mark: number, options: { all?: boolean } = {}): string[] {
    const ignored = options.all ? [] : COUNTER_NAMESPACES;
    return this.log
      .slice(mark)
      .flatMap((operation) => operation.writes)
      .filter((namespace) => !ignored.includes(namespace));
  }

  get<T>(key: StoreKey<T>): Promise<T | undefined> {
    return this.run({ op: 'get', writes: [], namespaces: [key.namespace] }, () => this.inner.get(key));
  }

  set<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<void> {
    return this.run(this.writeOp('set', key, ttlMs), () => this.inner.set(key, value, ttlMs));
  }

  setIfAbsent<T>(key: StoreKey<T>, value: T, ttlMs: number): Promise<boolean> {
    return this.run(this.writeOp('setIfAbsent', key, ttlMs), () => this.inner.setIfAbsent(key, value, ttlMs));
  }

  update<T>(key: StoreKey<T>, value: T): Promise<boolean> {
    return this.run(this.writeOp('update', key), () => this.inner.update(key, value));
  }

  consume<T>(key: StoreKey<T>): Promise<T | undefined> {
    return this.run({ op: 'consume', writes: [], namespaces: [key.namespace] }, () => this.inner.consume(key));
  }

  delete(key: StoreKey<unknown>): Promise<boolean> {
    return this.run({ op: 'delete', writes: [], namespaces: [key.namespace] }, () => this.inner.delete(key));
  }

  increment(key: StoreKey<number>, ttlMs: number, by?: number): Promise<StoreCounter> {
    return this.run(this.writeOp('increment', key, ttlMs), () => this.inner.increment(key, ttlMs, by));
  }

  commit<const C extends readonly StoreKey<unknown>[] = []>(
    transaction: StoreTransaction<C>,
  ): Promise<StoreCommitResult<RecordsOf<C>>> {
    const writes = (transaction.set ?? []).map((write) => write.key.namespace);
    const namespaces = [
      ...(transaction.consume ?? []).map((key) => key.namespace),
      ...(transaction.check ?? []).map((check) => check.key.namespace),
      ...writes,
      ...(transaction.delete ?? []).map((key) => key.namespace),
    ];
    const ttls = (transaction.set ?? []).map((write) => ({ namespace: write.key.namespace, ttlMs: write.ttlMs }));
    return this.run({ op: 'commit', writes, namespaces, ttls }, () => this.inner.commit(transaction));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Nest lifecycle hook: the application closes the real store. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Every TTL written to a namespace since `mark`. */
  ttlsSince(mark: number, namespace: string): number[] {
    return this.log
      .slice(mark)
      .flatMap((operation) => operation.ttls ?? [])
      .filter((entry) => entry.namespace === namespace)
      .map((entry) => entry.ttlMs);
  }

  private writeOp(op: StoreOperation['op'], key: StoreKey<unknown>, ttlMs?: number): StoreOperation {
    return {
      op,
      writes: [key.namespace],
      namespaces: [key.namespace],
      ...(ttlMs === undefined ? {} : { ttls: [{ namespace: key.namespace, ttlMs }] }),
    };
  }

  private async run<R>(operation: StoreOperation, call: () => Promise<R>): Promise<R> {
    if (this.fault?.(operation)) {
      this.log.push({ ...operation, writes: [] });
      throw new StorageUnavailableError('Storage is temporarily unavailable (injected fault)');
    }
    this.log.push(operation);
    return call();
  }
}

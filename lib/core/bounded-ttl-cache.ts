/**
 * A size-bounded map whose entries expire at a given time. Inserting into a full cache drops the
 * oldest entry (insertion order), so memory stays bounded whatever clients send, at O(1) per
 * insert. Expired entries are removed when read or when they become the oldest.
 */
export class BoundedTtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  private readonly maxEntries: number;

  constructor(
    maxEntries: number,
    private readonly now: () => number,
  ) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (ms); ignored when that time has already passed. */
  set(key: string, value: V, expiresAt: number): void {
    if (!(expiresAt > this.now())) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.evict();
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

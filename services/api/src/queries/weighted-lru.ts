/**
 * Values by key, bounded by their number and by a weight each carries (rows, say): the least
 * recently used go first. `get` counts as a use; `replace` swaps a value in place, keeping its
 * turn (and its weight unless given a new one).
 */
export class WeightedLru<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  get(key: string): V | undefined {
    const found = this.entries.get(key);
    if (!found) return undefined;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found.value;
  }

  /** Keeps `value` as the most recently used, dropping the oldest beyond the bounds; false (nothing kept) when it alone outweighs them. */
  set(key: string, value: V, weight = 1): boolean {
    if (weight > this.maxWeight) return false;
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.weight <= this.maxWeight) break;
      this.delete(oldest);
    }
    return true;
  }

  /** Swaps the value in place (its turn kept); with a new weight, the oldest go until the bounds hold again (never this one). */
  replace(key: string, value: V, weight?: number): void {
    const old = this.entries.get(key);
    if (!old) return;
    const now = weight ?? old.weight;
    this.entries.set(key, { value, weight: now });
    this.weight += now - old.weight;
    for (const [oldest] of this.entries) {
      if (this.weight <= this.maxWeight) break;
      if (oldest !== key) this.delete(oldest);
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.weight -= old.weight;
  }

  clear(): void {
    this.entries.clear();
    this.weight = 0;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (const [key, { value }] of this.entries) yield [key, value];
  }

  get size(): number {
    return this.entries.size;
  }
}

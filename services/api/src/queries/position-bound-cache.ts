import { comparePositions, type LogPosition } from '@pz/contracts';

/**
 * Answers read from the catalogue, kept only while the catalogue is at the position they were
 * read at. The catalogue changes only through the projector, whose checkpoint moves with every
 * committed page of events, so an answer read in a snapshot whose catalogue checkpoint is P is
 * exactly what the same query would read while the projector is still at P. Every lookup names
 * the projector's current position; any other position (later, or earlier after a rebuild)
 * forgets every entry. An answer is kept only when the checkpoint read in its own snapshot is
 * the current position and the cache's. Bounded by entries and by a weight per entry (least
 * recently used first out).
 */
export class PositionBoundCache<V> {
  private position: LogPosition | null = null;
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Number.POSITIVE_INFINITY,
  ) {}

  /** The answer for `key` read at `current`, if there is one. */
  get(key: string, current: LogPosition): V | undefined {
    this.moveTo(current);
    const found = this.entries.get(key);
    if (!found) return undefined;
    this.entries.delete(key);
    this.entries.set(key, found);
    return found.value;
  }

  /**
   * Keeps `value`, read in a snapshot at catalogue checkpoint `readAt`, if that is `current` and
   * the cache is still at `current` (the projector may have moved on while it was read). Says
   * whether it was kept.
   */
  put(key: string, value: V, readAt: LogPosition | null, current: LogPosition, weight = 1): boolean {
    const atCurrent = readAt !== null && this.position !== null && comparePositions(current, this.position) === 0 && comparePositions(readAt, current) === 0;
    if (!atCurrent || weight > this.maxWeight) return false;
    this.forget(key);
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.weight <= this.maxWeight) break;
      this.forget(oldest);
    }
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  private moveTo(current: LogPosition): void {
    if (this.position && comparePositions(current, this.position) === 0) return;
    this.entries.clear();
    this.weight = 0;
    this.position = current;
  }

  private forget(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.weight -= old.weight;
  }
}

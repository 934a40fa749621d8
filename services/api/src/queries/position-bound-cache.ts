import { comparePositions, type LogPosition } from '@pz/contracts';
import { WeightedLru } from './weighted-lru';

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
  private readonly kept: WeightedLru<V>;

  constructor(maxEntries: number, maxWeight = Number.POSITIVE_INFINITY) {
    this.kept = new WeightedLru(maxEntries, maxWeight);
  }

  /** The answer for `key` read at `current`, if there is one. */
  get(key: string, current: LogPosition): V | undefined {
    if (!this.position || comparePositions(current, this.position) !== 0) {
      this.kept.clear();
      this.position = current;
    }
    return this.kept.get(key);
  }

  /**
   * Keeps `value`, read in a snapshot at catalogue checkpoint `readAt`, if that is `current` and
   * the cache is still at `current` (the projector may have moved on while it was read). Says
   * whether it was kept.
   */
  put(key: string, value: V, readAt: LogPosition | null, current: LogPosition, weight = 1): boolean {
    const atCurrent = readAt !== null && this.position !== null && comparePositions(current, this.position) === 0 && comparePositions(readAt, current) === 0;
    return atCurrent && this.kept.set(key, value, weight);
  }

  get size(): number {
    return this.kept.size;
  }
}

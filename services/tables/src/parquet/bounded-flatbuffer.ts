/**
 * A read-only view over one flatbuffer that checks every offset before following it, and counts
 * the work done: a hostile buffer makes it throw `FlatbufferRejected`, never read out of bounds
 * nor spin. Only what the Arrow schema reader needs: tables, vectors of tables, strings, bytes.
 */
export class FlatbufferRejected extends Error {}

export interface FlatbufferBudget {
  /** Table, vector and string visits allowed in all. */
  steps: number;
  /** String bytes decoded in all. */
  stringBytes: number;
}

export class BoundedFlatbuffer {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly budget: FlatbufferBudget,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private spend(steps: number, stringBytes = 0): void {
    this.budget.steps -= steps;
    this.budget.stringBytes -= stringBytes;
    if (this.budget.steps < 0 || this.budget.stringBytes < 0) throw new FlatbufferRejected('the schema takes more work to read than any table needs');
  }

  private check(at: number, size: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + size > this.bytes.length) throw new FlatbufferRejected(`offset ${at} is outside the ${this.bytes.length}-byte buffer`);
  }

  private u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  private u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }

  /** The table the buffer's root offset points at. */
  root(): number {
    return this.u32(0);
  }

  /** Where a table's field `slot` is stored, or null when the table leaves it out. */
  private field(table: number, slot: number): number | null {
    this.spend(1);
    this.check(table, 4);
    const vtable = table - this.view.getInt32(table, true);
    const vtableSize = this.u16(vtable);
    if (vtableSize < 4 || vtableSize % 2 !== 0) throw new FlatbufferRejected(`vtable at ${vtable} declares ${vtableSize} bytes`);
    this.check(vtable, vtableSize);
    const entry = 4 + 2 * slot;
    if (entry >= vtableSize) return null;
    const offset = this.u16(vtable + entry);
    return offset === 0 ? null : table + offset;
  }

  private follow(at: number): number {
    return at + this.u32(at);
  }

  ubyte(table: number, slot: number): number | null {
    const at = this.field(table, slot);
    if (at === null) return null;
    this.check(at, 1);
    return this.bytes[at] ?? null;
  }

  /** A table-valued field (a union's value included). */
  table(table: number, slot: number): number | null {
    const at = this.field(table, slot);
    return at === null ? null : this.follow(at);
  }

  /** The tables of a vector-of-tables field, at most `max` of them (more is refused). */
  tables(table: number, slot: number, max: number): number[] {
    const at = this.field(table, slot);
    if (at === null) return [];
    const vector = this.follow(at);
    const length = this.u32(vector);
    if (length > max) throw new FlatbufferRejected(`a vector holds ${length} entries (at most ${max} are read)`);
    this.check(vector + 4, 4 * length);
    this.spend(length);
    return Array.from({ length }, (_, i) => this.follow(vector + 4 + 4 * i));
  }

  /** A string field as UTF-8 (bad sequences replaced), or null when absent. */
  string(table: number, slot: number): string | null {
    const at = this.field(table, slot);
    if (at === null) return null;
    const start = this.follow(at);
    const length = this.u32(start);
    this.check(start + 4, length);
    this.spend(1, length);
    return new TextDecoder().decode(this.bytes.subarray(start + 4, start + 4 + length));
  }
}

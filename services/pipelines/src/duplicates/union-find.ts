/** Disjoint sets over row numbers, in typed arrays (millions of rows, no objects). */
export class UnionFind {
  private readonly parent: Int32Array;

  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }

  find(row: number): number {
    const parent = this.parent;
    let r = row;
    while (parent[r] !== r) {
      const grand = parent[parent[r] ?? r] ?? r;
      parent[r] = grand;
      r = grand;
    }
    return r;
  }

  /** Joins two sets; the smaller row number becomes the root, so roots are deterministic. */
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }
}

export interface Groups {
  /** Rows of group g are members[start[g] .. start[g + 1]), in increasing row order. */
  readonly start: Uint32Array;
  readonly members: Uint32Array;
}

/** The sets with more than one row, each listing its rows in increasing order. */
export function groupsOf(sets: UnionFind, rowCount: number): Groups {
  const root = new Int32Array(rowCount);
  const size = new Uint32Array(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const r = sets.find(row);
    root[row] = r;
    size[r] = (size[r] ?? 0) + 1;
  }
  const groupOfRoot = new Int32Array(rowCount).fill(-1);
  const sizes: number[] = [];
  for (let row = 0; row < rowCount; row++) {
    if (root[row] === row && (size[row] ?? 0) > 1) {
      groupOfRoot[row] = sizes.length;
      sizes.push(size[row] ?? 0);
    }
  }
  const start = new Uint32Array(sizes.length + 1);
  for (let g = 0; g < sizes.length; g++) start[g + 1] = (start[g] ?? 0) + (sizes[g] ?? 0);
  const members = new Uint32Array(start[sizes.length] ?? 0);
  const fill = start.slice(0, sizes.length);
  for (let row = 0; row < rowCount; row++) {
    const g = groupOfRoot[root[row] ?? row] ?? -1;
    if (g >= 0) members[fill[g]!++] = row;
  }
  return { start, members };
}

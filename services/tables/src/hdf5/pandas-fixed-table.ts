import type { Dataset, Group, Metadata } from 'h5wasm';
import type { JsonValue, TableColumn, TableRow } from '../types';
import { attrNumber, attrText, type Hdf5Table } from './hdf5-table-layout';
import { hdf5TypeName, hdf5Value } from './hdf5-values';

const VLEN = 9;

interface Block {
  readonly values: Dataset;
  readonly items: string[];
  readonly meta: Metadata;
  /** pandas writes blocks as rows x items (`transposed`); very old files as items x rows. */
  readonly rowsFirst: boolean;
  readonly isDatetime: boolean;
  /** Object blocks are pickled Python objects, which are never unpickled here. */
  readonly isPickled: boolean;
}

const namesOf = (dataset: Dataset): string[] => {
  const value: unknown = dataset.value;
  if (Array.isArray(value)) return value.map((name) => String(name));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, (name) => String(name));
  return [];
};

const nanosecondsToIso = (value: unknown): JsonValue => {
  if (typeof value !== 'bigint') return null;
  // pandas writes NaT as the smallest int64.
  if (value === -(2n ** 63n)) return null;
  const date = new Date(Number(value / 1_000_000n));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
};

function readBlock(block: Block, first: number, count: number): JsonValue[][] {
  const width = block.items.length;
  if (block.isPickled) return Array.from({ length: count }, () => Array.from({ length: width }, () => null));
  const selection: [number, number][] = block.rowsFirst ? [[first, first + count], [0, width]] : [[0, width], [first, first + count]];
  const raw = block.values.slice((block.values.shape?.length ?? 1) === 1 ? [[first, first + count]] : selection);
  const flat = Array.isArray(raw) || ArrayBuffer.isView(raw) ? (raw as ArrayLike<unknown>) : [];
  const at = (row: number, item: number): unknown => (block.rowsFirst ? flat[row * width + item] : flat[item * count + row]);
  return Array.from({ length: count }, (_, row) =>
    Array.from({ length: width }, (_, item) => (block.isDatetime ? nanosecondsToIso(at(row, item)) : hdf5Value(at(row, item), block.meta))),
  );
}

/**
 * pandas `HDFStore` fixed format (`df.to_hdf(format='fixed')`): column order in `axis0`, the
 * index in `axis1`, and the values in blocks of same-typed columns (`blockN_items` names the
 * columns of `blockN_values`). A named index becomes the first column.
 */
export function pandasFixedTable(group: Group): Hdf5Table | null {
  const axis0 = group.get('axis0');
  const axis1 = group.get('axis1');
  const blockCount = attrNumber(group, 'nblocks');
  if (!isDataset(axis0) || !isDataset(axis1) || blockCount === null) return null;
  const nRows = axis1.shape?.[0] ?? 0;
  const blocks: Block[] = [];
  for (let i = 0; i < blockCount; i++) {
    const items = group.get(`block${i}_items`);
    const values = group.get(`block${i}_values`);
    if (!isDataset(items) || !isDataset(values)) return null;
    const meta = values.metadata;
    const shape = values.shape ?? [];
    const names = namesOf(items);
    blocks.push({
      values,
      items: names,
      meta,
      rowsFirst: shape.length < 2 || shape[0] === nRows,
      isDatetime: (attrText(values, 'value_type') ?? '').startsWith('datetime64'),
      isPickled: meta.type === VLEN,
    });
  }
  const located = new Map<string, { block: number; item: number }>();
  blocks.forEach((block, b) => block.items.forEach((name, item) => located.set(name, { block: b, item })));
  const order = namesOf(axis0).filter((name) => located.has(name));
  const indexName = attrText(axis1, 'name');
  const hasNamedIndex = indexName !== null && indexName !== 'N.' && !located.has(indexName);

  const typeOf = (block: Block): string => (block.isPickled ? 'object' : block.isDatetime ? 'timestamp' : hdf5TypeName(block.meta));
  const columns: TableColumn[] = [
    ...(hasNamedIndex ? [{ name: indexName, type: hdf5TypeName(axis1.metadata) }] : []),
    ...order.map((name) => {
      const where = located.get(name);
      const block = where ? blocks[where.block] : undefined;
      return { name, type: block ? typeOf(block) : 'unknown' };
    }),
  ];
  return {
    layout: 'pandas_fixed',
    path: group.path,
    columns,
    nRows,
    sources: [...blocks.filter((block) => !block.isPickled).map((block) => block.values), ...(hasNamedIndex ? [axis1] : [])],
    readRows(first, count) {
      if (count <= 0) return [];
      const blockRows = blocks.map((block) => readBlock(block, first, count));
      const index = hasNamedIndex ? axis1.slice([[first, first + count]]) : null;
      const indexValues = Array.isArray(index) || ArrayBuffer.isView(index) ? (index as ArrayLike<unknown>) : [];
      return Array.from({ length: count }, (_, row) => {
        const record: TableRow = {};
        if (hasNamedIndex) record[indexName] = hdf5Value(indexValues[row], axis1.metadata);
        for (const name of order) {
          const where = located.get(name);
          record[name] = where ? (blockRows[where.block]?.[row]?.[where.item] ?? null) : null;
        }
        return record;
      });
    },
  };
}

function isDataset(entity: unknown): entity is Dataset {
  return typeof entity === 'object' && entity !== null && 'shape' in entity && 'slice' in entity;
}

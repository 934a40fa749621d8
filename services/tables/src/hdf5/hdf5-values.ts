import type { Metadata } from 'h5wasm';
import { toJsonValue } from '../json-value';
import type { JsonValue } from '../types';

/** HDF5 datatype classes, as h5wasm reports them in `Metadata.type`. */
const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, BITFIELD: 4, OPAQUE: 5, COMPOUND: 6, ENUM: 8, VLEN: 9, ARRAY: 10 } as const;

/** h5py writes numpy bools as an enum {FALSE: 0, TRUE: 1}. */
const isBoolEnum = (meta: Metadata): boolean => {
  const members = meta.enum_type?.members;
  return !!members && Object.keys(members).length === 2 && members['FALSE'] === 0 && members['TRUE'] === 1;
};

export function hdf5TypeName(meta: Metadata): string {
  switch (meta.type) {
    case H5T.INTEGER:
      return `${meta.signed ? 'int' : 'uint'}${meta.size * 8}`;
    case H5T.FLOAT:
      return `float${meta.size * 8}`;
    case H5T.STRING:
      return 'string';
    case H5T.ENUM:
      return isBoolEnum(meta) ? 'bool' : 'string';
    case H5T.ARRAY: {
      const item = meta.array_type;
      return item ? `${hdf5TypeName(item)}[${(item.shape ?? []).join('x')}]` : 'array';
    }
    case H5T.VLEN:
      return 'object';
    case H5T.COMPOUND:
      return 'struct';
    case H5T.OPAQUE:
    case H5T.BITFIELD:
      return 'bytes';
    default:
      return 'unknown';
  }
}

/** Converts one value h5wasm returned for a value of type `meta` (enums arrive as numbers). */
export function hdf5Value(value: unknown, meta: Metadata): JsonValue {
  if (meta.type === H5T.ENUM && typeof value === 'number') {
    if (isBoolEnum(meta)) return value === 1;
    const label = Object.entries(meta.enum_type?.members ?? {}).find(([, code]) => code === value)?.[0];
    return label ?? value;
  }
  if (meta.type === H5T.ARRAY && meta.array_type && (Array.isArray(value) || ArrayBuffer.isView(value))) {
    const item = meta.array_type;
    return Array.from(value as ArrayLike<unknown>, (entry) => hdf5Value(entry, item));
  }
  return toJsonValue(value);
}

/** A flat row-major buffer of `count` rows x `width` values, as `count` lists. */
export function splitRows(values: ArrayLike<unknown>, count: number, width: number): unknown[][] {
  return Array.from({ length: count }, (_, row) => Array.from({ length: width }, (_, i) => values[row * width + i]));
}

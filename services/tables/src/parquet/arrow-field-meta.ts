import type { FileMetaData } from 'hyparquet';
import type { ColumnMeta } from '../astropy-ecsv-header';
import { BoundedFlatbuffer, FlatbufferRejected } from './bounded-flatbuffer';

/** base64 text longer than this is not decoded (real schemas are kilobytes; a wide HATS catalog's a few hundred). */
const MAX_SCHEMA_BASE64_CHARS = 16 * 1024 * 1024;
const MAX_FIELDS = 100_000;
const MAX_METADATA_PER_FIELD = 1000;
const BUDGET = { steps: 2_000_000, stringBytes: 32 * 1024 * 1024 };

/** Arrow's IPC framing: a continuation marker (since 0.15), the metadata length, the flatbuffer. */
const CONTINUATION = 0xffffffff;
/** `MessageHeader` union value of a Schema message (Message.fbs). */
const SCHEMA_HEADER = 1;

/** Slots of the tables read, from Arrow's Message.fbs and Schema.fbs (a union takes two: type, value). */
const MESSAGE = { headerType: 1, header: 2 } as const;
const SCHEMA = { fields: 1 } as const;
const FIELD = { name: 0, customMetadata: 6 } as const;
const KEY_VALUE = { key: 0, value: 1 } as const;

/** Field metadata keys read, compared case-insensitively. */
const KEYS: Record<string, keyof ColumnMeta> = { unit: 'unit', ucd: 'ucd', description: 'description' };

const text = (value: string | null): string | undefined => (value !== null && value.trim() !== '' && value.length <= 1000 ? value.trim() : undefined);

/** The flatbuffer inside an encapsulated IPC message, with or without the continuation marker. */
function messageBytes(ipc: Uint8Array): Uint8Array {
  if (ipc.length < 8) throw new FlatbufferRejected('the schema message is shorter than its framing');
  const view = new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  const marked = view.getUint32(0, true) === CONTINUATION;
  const start = marked ? 8 : 4;
  const length = view.getUint32(marked ? 4 : 0, true);
  if (length > ipc.length - start) throw new FlatbufferRejected(`the schema message declares ${length} bytes, more than the ${ipc.length - start} there`);
  return ipc.subarray(start, start + length);
}

/** One top-level Arrow field: its name and what its `custom_metadata` says of it. */
export interface ArrowField {
  readonly name: string;
  readonly meta: ColumnMeta;
}

/** The top-level fields of an encapsulated Arrow IPC Schema message; throws `FlatbufferRejected` on a malformed one. */
export function readArrowFields(ipc: Uint8Array): ArrowField[] {
  const buffer = new BoundedFlatbuffer(messageBytes(ipc), { ...BUDGET });
  const message = buffer.root();
  if (buffer.ubyte(message, MESSAGE.headerType) !== SCHEMA_HEADER) throw new FlatbufferRejected('the message is not a Schema');
  const schema = buffer.table(message, MESSAGE.header);
  if (schema === null) throw new FlatbufferRejected('the Schema message has no schema');
  return buffer.tables(schema, SCHEMA.fields, MAX_FIELDS).map((field) => {
    const meta: { -readonly [K in keyof ColumnMeta]: string } = {};
    for (const pair of buffer.tables(field, FIELD.customMetadata, MAX_METADATA_PER_FIELD)) {
      const key = KEYS[(buffer.string(pair, KEY_VALUE.key) ?? '').toLowerCase()];
      const value = key === undefined ? undefined : text(buffer.string(pair, KEY_VALUE.value));
      if (key !== undefined && value !== undefined && meta[key] === undefined) meta[key] = value;
    }
    return { name: buffer.string(field, FIELD.name) ?? '', meta };
  });
}

/**
 * Units, UCDs and descriptions attached to the Arrow fields of a Parquet file written through
 * Arrow (pyarrow, arrow-rs, polars...): the footer key `ARROW:schema` holds the Arrow schema, an
 * IPC Schema message in base64, whose fields may carry `custom_metadata` such as `unit`, `ucd` or
 * `description`. Only top-level fields are read. A file without it answers an empty map, and so
 * does a schema that is malformed, cut or too large: it never refuses the table.
 */
export function arrowFieldMeta(metadata: FileMetaData): Map<string, ColumnMeta> {
  const encoded = metadata.key_value_metadata?.find((kv) => kv.key === 'ARROW:schema')?.value;
  if (typeof encoded !== 'string' || encoded.length > MAX_SCHEMA_BASE64_CHARS) return new Map();
  try {
    const found = new Map<string, ColumnMeta>();
    for (const { name, meta } of readArrowFields(Buffer.from(encoded, 'base64'))) {
      if (!found.has(name) && Object.keys(meta).length > 0) found.set(name, meta);
    }
    return found;
  } catch {
    // FlatbufferRejected above all; whatever else a hostile schema provokes is no reason to refuse the table either.
    return new Map();
  }
}

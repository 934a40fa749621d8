/**
 * Test fixtures: the `ARROW:schema` footer value pyarrow writes (an encapsulated IPC Schema
 * message, base64), built by a minimal flatbuffers writer because Debian 12 has no pyarrow. It
 * lays each table out before its children (uoffsets point forward, as the format requires; the
 * vtable follows its table, which a signed vtable offset allows). Tests only.
 */

/** A flatbuffer node: a table (one entry per slot, null for an absent field), a vector of tables, or a string. */
export type FbNode = { readonly table: readonly (FbField | null)[] } | { readonly vector: readonly FbNode[] } | { readonly string: string };
export type FbField = { readonly ubyte: number } | { readonly short: number } | { readonly node: FbNode };

class Writer {
  bytes: number[] = [];
  get at(): number {
    return this.bytes.length;
  }
  u8(value: number): void {
    this.bytes.push(value & 0xff);
  }
  u16(value: number): void {
    this.u8(value);
    this.u8(value >> 8);
  }
  u32(value: number): void {
    for (let i = 0; i < 4; i++) this.u8(value >>> (8 * i));
  }
  patch32(at: number, value: number): void {
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (value >>> (8 * i)) & 0xff;
  }
}

function write(w: Writer, node: FbNode): number {
  const start = w.at;
  if ('string' in node) {
    const utf8 = Buffer.from(node.string, 'utf8');
    w.u32(utf8.length);
    for (const byte of utf8) w.u8(byte);
    w.u8(0);
    return start;
  }
  if ('vector' in node) {
    w.u32(node.vector.length);
    const slots = node.vector.map(() => {
      const at = w.at;
      w.u32(0);
      return at;
    });
    node.vector.forEach((child, i) => {
      const slot = slots[i] as number;
      w.patch32(slot, write(w, child) - slot);
    });
    return start;
  }
  w.u32(0);
  const offsets: number[] = [];
  const children: [number, FbNode][] = [];
  for (const field of node.table) {
    if (field === null) {
      offsets.push(0);
      continue;
    }
    offsets.push(w.at - start);
    if ('ubyte' in field) w.u8(field.ubyte);
    else if ('short' in field) w.u16(field.short);
    else {
      children.push([w.at, field.node]);
      w.u32(0);
    }
  }
  const vtable = w.at;
  w.u16(4 + 2 * offsets.length);
  w.u16(vtable - start);
  for (const offset of offsets) w.u16(offset);
  w.patch32(start, start - vtable);
  for (const [at, child] of children) w.patch32(at, write(w, child) - at);
  return start;
}

/** A flatbuffer whose root is `root`. */
export function flatbuffer(root: FbNode): Uint8Array {
  const w = new Writer();
  w.u32(0);
  w.patch32(0, write(w, root));
  return Uint8Array.from(w.bytes);
}

export interface ArrowFieldSpec {
  readonly name: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

const keyValue = ([key, value]: [string, string]): FbNode => ({ table: [{ node: { string: key } }, { node: { string: value } }] });

/** Message{version V5, header Schema{fields: [Field{name, nullable, type FloatingPoint(DOUBLE), custom_metadata}]}} (Message.fbs, Schema.fbs). */
export function arrowSchemaMessage(fields: readonly ArrowFieldSpec[]): FbNode {
  const double: FbNode = { table: [{ short: 2 }] };
  const field = ({ name, metadata }: ArrowFieldSpec): FbNode => ({
    table: [
      { node: { string: name } },
      { ubyte: 1 },
      { ubyte: 3 },
      { node: double },
      null,
      { node: { vector: [] } },
      ...(metadata ? [{ node: { vector: Object.entries(metadata).map(keyValue) } }] : []),
    ],
  });
  return { table: [{ short: 4 }, { ubyte: 1 }, { node: { table: [{ short: 0 }, { node: { vector: fields.map(field) } }] } }] };
}

/** The IPC framing around a flatbuffer message: continuation marker (unless `legacy`), length, bytes padded to 8. */
export function encapsulate(message: Uint8Array, legacy = false): Uint8Array {
  const padded = Math.ceil(message.length / 8) * 8;
  const header = legacy ? 4 : 8;
  const out = new Uint8Array(header + padded);
  const view = new DataView(out.buffer);
  if (!legacy) view.setUint32(0, 0xffffffff, true);
  view.setUint32(legacy ? 0 : 4, padded, true);
  out.set(message, header);
  return out;
}

/** The `ARROW:schema` footer value for these fields. */
export const arrowSchemaValue = (fields: readonly ArrowFieldSpec[]): string => Buffer.from(encapsulate(flatbuffer(arrowSchemaMessage(fields)))).toString('base64');

import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { err, ok, type Result } from '@pz/contracts';
import { tableError, type TableError } from '../errors';
import type { ReadContext, RowWindow, TableRow, TableSlice } from '../types';
import { BinaryRowDecoder } from './binary-rows';
import { fieldType, isKnownDatatype, parseArraysize, valueFromText, type VotableField } from './votable-fields';

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);
const attribute = (tag: SaxesTagPlain, name: string): string | undefined => {
  const value = tag.attributes[name];
  return typeof value === 'string' ? value : undefined;
};

/** Streams base64 text into bytes, carrying the characters of an unfinished 4-character group. */
class Base64Stream {
  private carry = '';
  decode(text: string): Uint8Array {
    const clean = this.carry + text.replace(/[^A-Za-z0-9+/=]/g, '');
    const whole = clean.length - (clean.length % 4);
    this.carry = clean.slice(whole);
    return Buffer.from(clean.slice(0, whole), 'base64');
  }
}

class StopReading extends Error {}

/**
 * Reads the first TABLE of a VOTable in one streaming pass: FIELD names, datatypes, units, UCDs
 * and descriptions, every row counted (TABLEDATA, BINARY or BINARY2 serialization), and only the
 * rows of the window kept. Memory holds one row and the window, whatever the file's size.
 */
export async function readVotableTable(filePath: string, window: RowWindow, context: ReadContext): Promise<Result<TableSlice, TableError>> {
  const fields: VotableField[] = [];
  const rows: TableRow[] = [];
  let rowCount = 0;
  let sawRoot = false;
  let tableDepth = 0;
  let tableDone = false;
  let declaredRows: number | null = null;
  let fieldOpen: VotableField | null = null;
  let inDescription = false;
  let serialization: 'TABLEDATA' | 'BINARY' | 'BINARY2' | null = null;
  let cells: string[] | null = null;
  let cell: string | null = null;
  let stream: { base64: Base64Stream; decoder: BinaryRowDecoder } | null = null;
  let failure: TableError | null = null;

  const keep = (index: number) => index >= window.offset && index < window.offset + window.limit;
  const onRow = (row: TableRow | null): boolean => {
    if (row && keep(rowCount)) rows.push(row);
    rowCount++;
    return true;
  };
  const fail = (error: TableError): never => {
    failure = error;
    throw new StopReading();
  };

  const parser = new SaxesParser({ xmlns: false });
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (!sawRoot) {
      sawRoot = true;
      if (name !== 'VOTABLE') fail(tableError('TABLE_UNREADABLE', `This XML file is not a VOTable: its root element is <${tag.name}>, not <VOTABLE>.`));
    }
    if (tableDone) return;
    if (name === 'TABLE') {
      tableDepth++;
      if (tableDepth === 1) {
        const nrows = Number(attribute(tag, 'nrows'));
        declaredRows = Number.isSafeInteger(nrows) && nrows >= 0 ? nrows : null;
      }
      return;
    }
    if (tableDepth !== 1) return;
    switch (name) {
      case 'FIELD': {
        const datatype = attribute(tag, 'datatype') ?? '';
        const fieldName = attribute(tag, 'name') ?? attribute(tag, 'ID') ?? `col${fields.length + 1}`;
        if (!isKnownDatatype(datatype)) fail(tableError('TABLE_UNREADABLE', `The VOTable FIELD "${fieldName}" has datatype "${datatype}", which is not a VOTable datatype.`));
        const unit = attribute(tag, 'unit');
        const ucd = attribute(tag, 'ucd');
        fieldOpen = { name: fieldName, datatype, arraysize: parseArraysize(attribute(tag, 'arraysize')), ...(unit ? { unit } : {}), ...(ucd ? { ucd } : {}) };
        fields.push(fieldOpen);
        return;
      }
      case 'DESCRIPTION':
        if (fieldOpen) inDescription = true;
        return;
      case 'VALUES': {
        const nullValue = attribute(tag, 'null');
        if (fieldOpen && nullValue !== undefined) fieldOpen.nullValue = nullValue;
        return;
      }
      case 'TABLEDATA':
      case 'BINARY':
      case 'BINARY2':
        serialization = name;
        return;
      case 'FITS':
        return fail(tableError('TABLE_FORMAT_UNSUPPORTED', 'The VOTable keeps its rows in FITS serialization, which is not supported here (TABLEDATA, BINARY and BINARY2 are).'));
      case 'STREAM': {
        if (attribute(tag, 'href') !== undefined) fail(tableError('TABLE_FORMAT_UNSUPPORTED', 'The VOTable rows are in an external STREAM (href), which is not fetched.'));
        const encoding = attribute(tag, 'encoding') ?? 'base64';
        if (encoding !== 'base64') fail(tableError('TABLE_FORMAT_UNSUPPORTED', `The VOTable STREAM encoding "${encoding}" is not supported (only base64).`));
        stream = { base64: new Base64Stream(), decoder: new BinaryRowDecoder(fields, serialization === 'BINARY2') };
        return;
      }
      case 'TR':
        if (serialization === 'TABLEDATA') cells = [];
        return;
      case 'TD':
        if (cells) cell = '';
        return;
    }
  });
  const onText = (text: string) => {
    if (tableDone) return;
    if (cell !== null) cell += text;
    else if (stream) stream.decoder.push(stream.base64.decode(text), onRow);
    else if (inDescription && fieldOpen) fieldOpen.description = `${fieldOpen.description ?? ''}${text}`;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    if (tableDone) return;
    const name = localName(tag.name);
    switch (name) {
      case 'TABLE':
        tableDepth--;
        if (tableDepth === 0) {
          tableDone = true;
          throw new StopReading();
        }
        return;
      case 'FIELD':
        if (fieldOpen?.description !== undefined) fieldOpen.description = fieldOpen.description.trim().replace(/\s+/g, ' ');
        fieldOpen = null;
        return;
      case 'DESCRIPTION':
        inDescription = false;
        return;
      case 'TD':
        if (cells && cell !== null) cells.push(cell);
        cell = null;
        return;
      case 'TR': {
        if (!cells) return;
        if (keep(rowCount)) {
          const row: TableRow = {};
          fields.forEach((field, i) => {
            row[field.name] = valueFromText(field, cells?.[i] ?? '');
          });
          rows.push(row);
        }
        rowCount++;
        cells = null;
        return;
      }
      case 'STREAM':
        if (stream && stream.decoder.leftover > 0) fail(tableError('TABLE_TRUNCATED', `The VOTable ${serialization ?? 'binary'} stream ends inside a row (${stream.decoder.leftover} bytes left over).`));
        stream = null;
        return;
    }
  });

  const file = createReadStream(filePath, { encoding: 'utf8', highWaterMark: 1 << 16 });
  try {
    for await (const chunk of file) {
      if (context.meter) {
        context.meter.reads++;
        context.meter.bytesRead += Buffer.byteLength(chunk as string);
      }
      parser.write(chunk as string);
    }
    parser.close();
  } catch (cause) {
    file.destroy();
    if (failure) return err(failure);
    if (!(cause instanceof StopReading)) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const truncated = /unclosed|end of|incomplete/i.test(message);
      return err(tableError(truncated ? 'TABLE_TRUNCATED' : 'TABLE_UNREADABLE', truncated ? `The VOTable ends before its elements are closed: ${message}` : `The VOTable is not well-formed XML: ${message}`));
    }
  }
  if (!sawRoot) return err(tableError('TABLE_UNREADABLE', 'The file holds no XML element.'));
  if (!tableDone) return err(tableError(tableDepth > 0 ? 'TABLE_TRUNCATED' : 'TABLE_NOT_FOUND', tableDepth > 0 ? 'The VOTable ends inside its TABLE.' : 'The VOTable holds no TABLE.'));
  if (fields.length === 0) return err(tableError('TABLE_EMPTY', 'The VOTable TABLE declares no FIELD.'));
  return ok({
    format: 'votable',
    columns: fields.map((f) => ({ name: f.name, type: fieldType(f), ...(f.unit ? { unit: f.unit } : {}), ...(f.ucd ? { ucd: f.ucd } : {}), ...(f.description ? { description: f.description } : {}) })),
    nRows: rowCount,
    rows,
    details: { serialization: serialization ?? 'none', declared_rows: declaredRows },
  });
}

import type { FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';
import { parquetSchema } from 'hyparquet';
import type { TableColumn } from '../types';
import { arrowFieldMeta } from './arrow-field-meta';
import { astropyColumnMeta } from './astropy-column-meta';

const CONVERTED_TYPE_NAMES: Partial<Record<NonNullable<SchemaElement['converted_type']>, string>> = {
  UTF8: 'string',
  ENUM: 'string',
  JSON: 'json',
  BSON: 'bytes',
  DECIMAL: 'decimal',
  DATE: 'date',
  TIME_MILLIS: 'time',
  TIME_MICROS: 'time',
  TIMESTAMP_MILLIS: 'timestamp',
  TIMESTAMP_MICROS: 'timestamp',
  UINT_8: 'uint8',
  UINT_16: 'uint16',
  UINT_32: 'uint32',
  UINT_64: 'uint64',
  INT_8: 'int8',
  INT_16: 'int16',
  INT_32: 'int32',
  INT_64: 'int64',
  INTERVAL: 'interval',
};

const PHYSICAL_TYPE_NAMES: Record<NonNullable<SchemaElement['type']>, string> = {
  BOOLEAN: 'bool',
  INT32: 'int32',
  INT64: 'int64',
  INT96: 'timestamp',
  FLOAT: 'float32',
  DOUBLE: 'float64',
  BYTE_ARRAY: 'bytes',
  FIXED_LEN_BYTE_ARRAY: 'bytes',
};

function leafTypeName(element: SchemaElement): string {
  const logical = element.logical_type;
  if (logical) {
    switch (logical.type) {
      case 'INTEGER':
        return `${logical.isSigned ? 'int' : 'uint'}${logical.bitWidth}`;
      case 'STRING':
      case 'ENUM':
        return 'string';
      case 'FLOAT16':
        return 'float16';
      default:
        return logical.type.toLowerCase();
    }
  }
  if (element.converted_type) return CONVERTED_TYPE_NAMES[element.converted_type] ?? element.converted_type.toLowerCase();
  return element.type ? PHYSICAL_TYPE_NAMES[element.type] : 'unknown';
}

function typeName(node: SchemaTree): string {
  const { element, children } = node;
  if (children.length === 0) return leafTypeName(element);
  const listLike = element.logical_type?.type === 'LIST' || element.converted_type === 'LIST';
  if (listLike) {
    const repeated = children[0];
    const item = repeated && repeated.children.length === 1 ? repeated.children[0] : repeated;
    return `list<${item ? typeName(item) : 'unknown'}>`;
  }
  if (element.logical_type?.type === 'MAP' || element.converted_type === 'MAP') return 'map';
  return 'struct';
}

/**
 * The top-level columns as readers see them (nested fields stay inside their column), with the
 * unit, description and UCD the file records for them: on the Arrow field (`ARROW:schema`
 * custom_metadata) or in the ECSV header astropy writes (`table_meta_yaml`). Property by
 * property, the Arrow field's wins: it is bound to the column itself and follows it through
 * pyarrow's edits, while astropy's table-level header is left as it was when pyarrow rewrites a
 * file astropy wrote; astropy's fills what the field does not say.
 */
export function parquetColumns(metadata: FileMetaData): TableColumn[] {
  const astropy = astropyColumnMeta(metadata);
  const arrow = arrowFieldMeta(metadata);
  return parquetSchema(metadata).children.map((child) => {
    const name = child.element.name;
    return { name, type: typeName(child), ...astropy.get(name), ...arrow.get(name) };
  });
}

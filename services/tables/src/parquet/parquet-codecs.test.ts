import type { FileMetaData } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { undecodableCodecs } from './parquet-codecs';

const withCodecs = (...codecs: string[]): FileMetaData =>
  ({ row_groups: [{ columns: codecs.map((codec) => ({ meta_data: { codec } })) }] }) as unknown as FileMetaData;

describe('undecodableCodecs', () => {
  it('accepts every codec the decoding worker handles', () => {
    expect(undecodableCodecs(withCodecs('UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD'))).toEqual([]);
  });

  it('names the codecs nothing here decompresses, once each', () => {
    expect(undecodableCodecs(withCodecs('LZ4', 'ZSTD', 'LZ4', 'LZO'))).toEqual(['LZ4', 'LZO']);
  });
});

import type { CompressionCodec, FileMetaData } from 'hyparquet';

/**
 * hyparquet decodes SNAPPY itself; the decoding worker adds GZIP and BROTLI from node's zlib and
 * ZSTD from fzstd (pure JavaScript; Node 20's zlib has no Zstandard).
 */
const DECODABLE = new Set<CompressionCodec>(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD']);

/** Codecs used by the file that no decompressor here handles (LZ4 and LZO). */
export function undecodableCodecs(metadata: FileMetaData): CompressionCodec[] {
  const codecs = new Set<CompressionCodec>();
  for (const rowGroup of metadata.row_groups) {
    for (const chunk of rowGroup.columns) {
      const codec = chunk.meta_data?.codec;
      if (codec && !DECODABLE.has(codec)) codecs.add(codec);
    }
  }
  return [...codecs];
}

import { decompress as zstdDecompress } from 'fzstd';
import type { Compressors } from 'hyparquet';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/**
 * The decompressors hyparquet lacks, for readers outside the decoding worker (the pipelines):
 * GZIP and BROTLI from node's zlib, ZSTD from fzstd (Node 20's zlib has no Zstandard, and HATS
 * partitions written by hats-import are ZSTD-compressed). The worker (decode-rows-worker.mjs)
 * keeps its own copy: it is plain JavaScript.
 */
export const PARQUET_COMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
};

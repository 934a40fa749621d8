import path from 'node:path';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The only gate between a caller's string and a file name: a string that passes has no `/`, `.`
 * or other character that could lead outside the store.
 */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** Where one blob and its record live. */
export interface BlobAddress {
  readonly directory: string;
  readonly dataPath: string;
  /** The sidecar with the blob's size and CRC-32. */
  readonly recordPath: string;
}

export const RECORD_SUFFIX = '.json';

/**
 * The store's directory layout. Two levels of fan-out (`ab/cd/abcd…`) keep every directory small
 * (65,536 leaf directories) however many blobs there are. `tmp/` lives under the same root so that
 * publishing a finished file is a link or rename within one file system, which is atomic.
 */
export class StoreLayout {
  readonly tempDirectory: string;
  readonly blobsDirectory: string;

  constructor(readonly root: string) {
    this.tempDirectory = path.join(root, 'tmp');
    this.blobsDirectory = path.join(root, 'sha256');
  }

  /** Callers check the hash first and report a coded error; this throw is the last line of defence. */
  addressOf(sha256: string): BlobAddress {
    if (!isSha256Hex(sha256)) throw new Error(`not a sha256: ${JSON.stringify(sha256)}`);
    const directory = path.join(this.blobsDirectory, sha256.slice(0, 2), sha256.slice(2, 4));
    return {
      directory,
      dataPath: path.join(directory, sha256),
      recordPath: path.join(directory, sha256 + RECORD_SUFFIX),
    };
  }
}

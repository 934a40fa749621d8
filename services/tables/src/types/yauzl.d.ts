/** The part of yauzl 3 these readers use (the package ships no typings). */
declare module 'yauzl' {
  import type { Readable } from 'node:stream';

  export interface Entry {
    /** A Buffer when the zip is opened with `decodeStrings: false`. */
    readonly fileName: string | Buffer;
    readonly compressedSize: number;
    readonly uncompressedSize: number;
    readonly compressionMethod: number;
    isEncrypted(): boolean;
    canDecodeFileData(): boolean;
  }

  export interface ZipFile {
    readonly entryCount: number;
    eachEntry(): AsyncIterableIterator<Entry>;
    openReadStreamPromise(entry: Entry): Promise<Readable>;
    close(): void;
  }

  export interface Options {
    autoClose?: boolean;
    lazyEntries?: boolean;
    decodeStrings?: boolean;
    validateEntrySizes?: boolean;
    strictFileNames?: boolean;
  }

  export function openPromise(path: string, options?: Options): Promise<ZipFile>;
}

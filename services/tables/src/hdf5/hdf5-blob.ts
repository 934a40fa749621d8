import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The few calls of Emscripten's in-memory file system (MEMFS) used here; h5wasm types it loosely.
 * The ESM build of h5wasm has no NODEFS/NODERAWFS: libhdf5 sees this virtual tree and nothing else.
 */
interface EmscriptenNode {
  contents: unknown;
  stream_ops: Record<string, unknown>;
}
interface EmscriptenFs {
  createFile(parent: string, name: string, properties: object, canRead: boolean, canWrite: boolean): EmscriptenNode;
  unlink(path: string): void;
  open(path: unknown, flags?: unknown, mode?: unknown): unknown;
  ErrnoError: new (errno: number) => Error;
}

/** Emscripten's errno numbering (not Linux's). */
const EACCES = 2;
const ENOENT = 44;

/**
 * libhdf5 looks for filter plugins in its build's plugin directory when a dataset names a
 * filter it lacks: a lookup of its own, not a path from the file. Nothing is there (MEMFS).
 */
const PLUGIN_DIRECTORY = /\/lib\/plugin(\/|$)/;

/** A blob as libhdf5 sees it: one read-only file in MEMFS whose reads go to the blob's bytes. */
export interface MountedBlob {
  /** Its path inside MEMFS, to pass to `new h5.File(...)`. */
  readonly path: string;
  /** Every other path libhdf5 tried to open while the blob was mounted (refused). */
  readonly refusedPaths: readonly string[];
  unmount(): void;
}

/** Paths libhdf5 may open besides the blob: the throwing error handler formats into a tmpfile. */
const ALLOWED_OTHER = /^\/tmp\/tmpfile_[\w-]+$/;

const pathText = (path: unknown): string =>
  typeof path === 'string' ? path : typeof path === 'object' && path !== null && 'name' in path ? String((path as { name: unknown }).name) : String(path);

let guarded: { fs: EmscriptenFs; blobPaths: Set<string>; refused: string[] } | null = null;

/**
 * Refuses, once for the whole module, every open of a path that is not a mounted blob: an
 * External File List, an external link or a virtual dataset's source names a path, and libhdf5
 * would open it. MEMFS holds nothing of the server's anyway; this makes the attempt visible,
 * so the reader can say why it refuses the file.
 */
function guard(fs: EmscriptenFs): NonNullable<typeof guarded> {
  if (guarded?.fs === fs) return guarded;
  const state = { fs, blobPaths: new Set<string>(), refused: [] as string[] };
  const open = fs.open.bind(fs);
  fs.open = (path: unknown, flags?: unknown, mode?: unknown) => {
    const name = pathText(path);
    if (PLUGIN_DIRECTORY.test(name) && !state.blobPaths.has(name)) throw new fs.ErrnoError(ENOENT);
    if (!state.blobPaths.has(name) && !ALLOWED_OTHER.test(name)) {
      state.refused.push(name);
      throw new fs.ErrnoError(EACCES);
    }
    return open(path, flags, mode);
  };
  guarded = state;
  return state;
}

let mounts = 0;

/**
 * Puts the blob at `filePath` into MEMFS without copying it: the node's reads are served from
 * the blob by `readSync` at the offsets libhdf5 asks for, so a 10 GB file costs no memory and
 * libhdf5 still reads only the chunks it needs. The path is the server's own, never the file's.
 */
export function mountBlob(module: { FS: unknown }, filePath: string): MountedBlob {
  const fs = module.FS as EmscriptenFs;
  const state = guard(fs);
  const fd = openSync(filePath, 'r');
  const size = fstatSync(fd).size;
  mounts += 1;
  const name = `blob-${process.pid}-${mounts}.h5`;
  const path = `/${name}`;
  const node = fs.createFile('/', name, {}, true, false);
  node.contents = null;
  Object.defineProperty(node, 'usedBytes', { get: () => size });
  node.stream_ops = {
    ...node.stream_ops,
    read(_stream: unknown, buffer: Uint8Array, offset: number, length: number, position: number): number {
      if (position >= size) return 0;
      return readSync(fd, buffer, offset, Math.min(length, size - position), position);
    },
    write(): number {
      throw new fs.ErrnoError(EACCES);
    },
    mmap(): never {
      throw new fs.ErrnoError(EACCES);
    },
  };
  state.blobPaths.add(path);
  const refusedBefore = state.refused.length;
  return {
    path,
    get refusedPaths() {
      return state.refused.slice(refusedBefore);
    },
    unmount() {
      state.blobPaths.delete(path);
      try {
        fs.unlink(path);
      } finally {
        closeSync(fd);
      }
    },
  };
}

import type h5wasmModule from 'h5wasm';

export type H5wasm = typeof h5wasmModule;

let loading: Promise<H5wasm> | null = null;

/**
 * Loads the WASM build of libhdf5 once, when the first HDF5 file is read. This is h5wasm's ESM
 * build, whose only file systems are in memory (MEMFS): libhdf5 cannot name a path of the
 * server (the `h5wasm/node` build runs on the real file system, NODERAWFS, and follows External
 * File Lists, external links and virtual datasets anywhere). Files reach it through `mountBlob`.
 * Importing it costs ~90 MB of JavaScript heap (its WebAssembly is inlined in the module), so it
 * is loaded only inside the HDF5 worker threads. The throwing error handler turns HDF5's error
 * stack (otherwise printed to stderr, with failures signalled only by negative ids) into exceptions.
 */
export function loadH5wasm(): Promise<H5wasm> {
  loading ??= import('h5wasm').then(async ({ default: h5wasm }) => {
    const module = await h5wasm.ready;
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return loading;
}

/** The innermost message of an HDF5 error stack names the cause ("truncated file: eof = ..."). */
export function hdf5ErrorReason(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const reasons = [...text.matchAll(/#\d+: .* in [\w:]+\(\): (.+)/g)].map((match) => match[1]?.trim() ?? '');
  return reasons.at(-1) ?? text.split('\n')[0] ?? 'unknown error';
}

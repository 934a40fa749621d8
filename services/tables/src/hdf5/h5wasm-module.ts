import type h5wasmModule from 'h5wasm/node';

export type H5wasm = typeof h5wasmModule;

let loading: Promise<H5wasm> | null = null;

/**
 * Loads the WASM build of libhdf5 once, when the first HDF5 file is read. Importing it costs
 * ~640 MB of resident memory and ~90 MB of JavaScript heap (its WebAssembly is inlined in the
 * module): a server that never meets an HDF5 file should not pay that, and every full garbage
 * collection walks that heap. The throwing error handler turns HDF5's error stack (otherwise
 * printed to stderr, with failures signalled only by negative ids) into exceptions.
 */
export function loadH5wasm(): Promise<H5wasm> {
  loading ??= import('h5wasm/node').then(async ({ default: h5wasm }) => {
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

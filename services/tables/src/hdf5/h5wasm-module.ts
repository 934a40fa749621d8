import h5wasm from 'h5wasm/node';

export type H5wasm = typeof h5wasm;

let loading: Promise<H5wasm> | null = null;

/**
 * Loads the WASM build of libhdf5 once. The throwing error handler turns HDF5's error stack
 * (otherwise printed to stderr, with failures signalled only by negative ids) into exceptions.
 */
export function loadH5wasm(): Promise<H5wasm> {
  loading ??= h5wasm.ready.then((module) => {
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

// Compiles record-scan-simd.wat into the record-scan-simd.wasm committed beside it
// (`npm run build:record-scan-wasm -w services/tables`). record-scan-simd.test.ts compiles the
// source again and compares, so the binary cannot drift from it.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

export const RECORD_SCAN_WAT = fileURLToPath(new URL('../src/csv/record-scan-simd.wat', import.meta.url));
export const RECORD_SCAN_WASM = fileURLToPath(new URL('../src/csv/record-scan-simd.wasm', import.meta.url));

export async function compileRecordScanWat(): Promise<Uint8Array> {
  const wabt = await initWabt();
  const module = wabt.parseWat('record-scan-simd.wat', await readFile(RECORD_SCAN_WAT, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(RECORD_SCAN_WASM, await compileRecordScanWat());
  console.log(`wrote ${RECORD_SCAN_WASM}`);
}

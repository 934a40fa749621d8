// Builds the portal when web/build is missing or was built from other sources than the ones in
// the working tree (`npm start` runs this first, and so do the browser tests). A content hash,
// not mtimes: a fresh clone or a checkout gives every file a new mtime.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import console from 'node:console';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(WEB, 'build');
const STAMP = path.join(BUILD, '.source-hash');
// The lockfile too: a new svelte or kit version is a new build.
const INPUTS = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package.json', 'tsconfig.json', '../package-lock.json'];

function* files(at) {
  if (!existsSync(at)) return;
  if (statSync(at).isDirectory()) {
    for (const name of readdirSync(at).sort()) yield* files(path.join(at, name));
  } else {
    yield at;
  }
}

export function sourceHash() {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(path.join(WEB, input))) {
      hash.update(path.relative(WEB, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

export function ensureBuild() {
  const wanted = sourceHash();
  const built = existsSync(STAMP) && existsSync(path.join(BUILD, 'handler.js')) ? readFileSync(STAMP, 'utf8').trim() : '';
  if (built === wanted) return false;
  console.log('portal: building web/ (missing or stale build)');
  const vite = path.join(path.dirname(fileURLToPath(import.meta.resolve('vite/package.json'))), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build'], { cwd: WEB, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`portal build failed (exit ${String(result.status)})`);
  writeFileSync(STAMP, `${wanted}\n`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureBuild();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * A pid file claims the folder; a claim by a process that no longer runs (a crash) is taken over.
 * Returns the release function.
 */
export function lockFolder(folder: string): () => void {
  const file = path.join(folder, '.pz-lock');
  let holder: number | null = null;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = null;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(`the embedded database in ${folder} is in use by process ${holder}; stop that process first, or use DATABASE_URL`);
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}

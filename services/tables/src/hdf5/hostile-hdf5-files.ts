import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fixture } from '../test-support';

const run = promisify(execFile);

/** The hostile files generate_hostile_hdf5.py writes (see that script for what each does). */
export const HOSTILE_HDF5 = ['efl.h5', 'extlink.h5', 'vds.h5', 'efl-nested.h5', 'bigchunk.h5', 'late-corrupt.h5', 'qp-efl.h5', 'qp-extlink.h5'] as const;
export type HostileHdf5Name = (typeof HOSTILE_HDF5)[number];

export interface HostileHdf5Files {
  readonly dir: string;
  /** A file outside every blob, whose bytes must never appear in an answer. */
  readonly canaryPath: string;
  /** Its content: printable, so it would show in any JSON answer as text or as byte values. */
  readonly canary: string;
  readonly path: (name: HostileHdf5Name) => string;
  remove(): Promise<void>;
}

/**
 * Writes a canary file and HDF5 files pointing at it with Debian's h5py (apt: python3-h5py):
 * the canary's path is only known at run time, so these cannot be committed fixtures.
 */
export async function writeHostileHdf5(): Promise<HostileHdf5Files> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pz-hostile-h5-'));
  const canaryPath = path.join(dir, 'canary-secret');
  const canary = `CANARY${randomBytes(12).toString('hex')}`;
  await writeFile(canaryPath, canary);
  await run('/usr/bin/python3', [fixture('generate_hostile_hdf5.py'), dir, canaryPath], { timeout: 120_000 });
  return {
    dir,
    canaryPath,
    canary,
    path: (name) => path.join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Does this answer carry the canary, as text or as the list of its byte values? */
export function leaksCanary(answer: unknown, canary: string): boolean {
  const text = JSON.stringify(answer);
  const bytes = Array.from(Buffer.from(canary));
  return text.includes(canary) || text.includes(bytes.slice(0, 8).join(',')) || text.includes(canary.slice(6));
}

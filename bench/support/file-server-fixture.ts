import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from './benchmark';
import { signUp, type ApiSession } from './api-session';
import { openScratchPostgres, withScratch } from './scratch-database';
import { startServerProcess, type ServerProcess } from './server-process';

export interface FileServerFixture {
  readonly server: ServerProcess;
  readonly session: ApiSession;
  /** A temporary folder on the same disk as the server's blob store, for generated files and copies. */
  readonly workDir: string;
}

/**
 * The real API server in its own process, on a scratch PostgreSQL schema, with its data folder
 * and a work folder in a fresh temporary folder under `scratchDir`, and a signed-up user; all of
 * it removed afterwards.
 */
export async function withFileServer<T>(context: BenchContext, scratchDir: string, use: (fixture: FileServerFixture) => Promise<T>): Promise<T> {
  const root = await mkdtemp(path.join(scratchDir, 'pz-bench-files-'));
  // An interrupted run (the runner exits on Ctrl-C) must not leave gigabytes behind.
  const removeOnExit = () => rmSync(root, { recursive: true, force: true });
  process.once('exit', removeOnExit);
  try {
    return await withScratch(openScratchPostgres(context.settings.databaseUrl, 1), async ({ database }) => {
      const server = await startServerProcess({ databaseUrl: context.settings.databaseUrl, schema: database.schema, dataDir: path.join(root, 'data') });
      try {
        const session = await signUp(server.origin, 'bench_files');
        return await use({ server, session, workDir: root });
      } finally {
        await server.stop();
      }
    });
  } finally {
    process.off('exit', removeOnExit);
    await rm(root, { recursive: true, force: true });
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '@pz/api/free-port';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// tsx compiles the API on first start; on a busy 2-core machine that alone has taken over a minute.
const STARTUP_MS = 240_000;
const SHUTDOWN_MS = 15_000;

/** The API server as `npm start` runs it, in a process of its own so that its memory can be watched. */
export interface ServerProcess {
  readonly origin: string;
  readonly pid: number;
  /** DATA_DIR of the server: its blob store is `<dataDir>/blobs`. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** A PostgreSQL server; the server keeps every table in `schema`, which must exist. */
  readonly databaseUrl: string;
  readonly schema: string;
  readonly dataDir: string;
}

/** Starts `services/api/src/main.ts` on a free loopback port and waits until it answers. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const databaseUrl = new URL(options.databaseUrl);
  databaseUrl.searchParams.set('options', `-c search_path=${options.schema}`);
  // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: options.dataDir,
      DATABASE_URL: databaseUrl.toString(),
      EVENTSTORE_URL: '',
      HOST: '127.0.0.1',
      PORT: String(port),
      PZ_SECRET: 'bench-secret-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilAnswering(origin, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`the API server did not start: ${error instanceof Error ? error.message : String(error)}\n${stderr}`, { cause: error });
  }
  if (child.pid === undefined) throw new Error('the API server has no pid');
  return {
    origin,
    pid: child.pid,
    dataDir: options.dataDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilAnswering(origin: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + STARTUP_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${origin}/api/`)).status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no answer within ${STARTUP_MS / 1000} s`);
    await sleep(250);
  }
}


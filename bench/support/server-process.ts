import { spawnApiProcess } from '@pz/api/api-process';

// tsx compiles the API on first start; on a busy 2-core machine that alone has taken over a minute.
const STARTUP_MS = 240_000;

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
  const databaseUrl = new URL(options.databaseUrl);
  databaseUrl.searchParams.set('options', `-c search_path=${options.schema}`);
  const api = await spawnApiProcess({
    env: {
      DATA_DIR: options.dataDir,
      DATABASE_URL: databaseUrl.toString(),
      EVENTSTORE_URL: '',
      HOST: '127.0.0.1',
      PZ_SECRET: 'bench-secret-0123456789',
      LOG_LEVEL: 'warn',
    },
    // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
    nodeArgs: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
    startupMs: STARTUP_MS,
  });
  await api.ready;
  return { origin: api.origin, pid: api.pid, dataDir: options.dataDir, stop: () => api.stop() };
}

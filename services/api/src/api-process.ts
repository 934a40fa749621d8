import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPOSITORY = path.resolve(path.dirname(MAIN), '..', '..', '..');
const POLL_MS = 100;
/** How long a SIGTERM may take before SIGKILL follows. */
const SHUTDOWN_MS = 15_000;

export interface ApiProcessOptions {
  /** Set over this process's environment; PORT is chosen here. */
  readonly env: Readonly<Record<string, string>>;
  /** Extra `node` arguments, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** How long `ready` waits for the first answer before killing the process. */
  readonly startupMs: number;
}

/** The API server as `npm start` runs it, in a process of its own (for tests and benchmarks). */
export interface ApiProcess {
  readonly origin: string;
  readonly pid: number;
  /** Resolves once `GET /api/` answers; rejects, with the process's output, if it exits first or does not answer in time. */
  readonly ready: Promise<void>;
  /** The last 20 KB the process wrote to stdout and stderr. */
  output(): string;
  /** Sends `signal` and waits for the exit: SIGTERM shuts down (SIGKILL after 15 s), SIGKILL allows no shutdown hook, flush or lock release. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Starts `services/api/src/main.ts` on a free loopback port; `ready` says when it answers. */
export async function spawnApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', MAIN], {
    cwd: REPOSITORY,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => (out = (out + chunk.toString('utf8')).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const ready = (async () => {
    const deadline = Date.now() + options.startupMs;
    for (;;) {
      if (hasExited()) throw new Error(`the API server exited before it answered:\n${out}`);
      try {
        await (await fetch(`${origin}/api/`)).arrayBuffer();
        return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the API server did not answer within ${options.startupMs / 1000} s:\n${out}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();
  // Callers may await `ready` later (or never, when they kill the process while it starts).
  ready.catch(() => undefined);
  if (child.pid === undefined) throw new Error('the API server process has no pid');
  return {
    origin,
    pid: child.pid,
    ready,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (!hasExited()) {
        child.kill(signal);
        const escalation = signal === 'SIGTERM' ? setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_MS) : undefined;
        await exited;
        clearTimeout(escalation);
      }
      await ready.catch(() => undefined);
    },
  };
}

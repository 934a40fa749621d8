import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpClient } from './settings';
import { summarize, type LatencySummary } from './stats';
import { runWrkLoad, wrkAvailable } from './wrk-load';

export interface LoadOptions {
  /** `http://127.0.0.1:<port>`: load only ever targets this machine. */
  readonly origin: string;
  /** Requested in turn by every client. */
  readonly paths: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly seconds: number;
  /** Requests in this first stretch are sent but not counted (connections, JIT, caches). */
  readonly warmupSeconds: number;
  /** A response header whose values are counted over the measured requests (e.g. a cache's hit or miss). */
  readonly tallyHeader?: string;
  /** wrk, our node generator, or wrk when it is installed (`auto`). */
  readonly client?: HttpClient;
}

/** What the worker sends back. */
export interface LoadSample {
  readonly latenciesMs: Float64Array;
  readonly errors: number;
  readonly firstError: string | null;
  readonly seconds: number;
  /** Measured requests per value of `tallyHeader` (`(none)` when absent). */
  readonly tally: Readonly<Record<string, number>>;
}

export interface LoadResult {
  /** Which generator measured it. */
  readonly client: 'wrk' | 'node';
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly latency: LatencySummary;
  readonly tally: Readonly<Record<string, number>>;
}

/** Closed-loop HTTP load from wrk (runWrkLoad) or from our node generator (runNodeLoad), as `options.client` says. */
export async function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/.test(options.origin)) throw new Error(`refusing to load ${options.origin}: loopback only`);
  const client = options.client ?? 'auto';
  if (client === 'wrk' || (client === 'auto' && wrkAvailable())) return { client: 'wrk', ...(await runWrkLoad(options)) };
  return { client: 'node', ...(await runNodeLoad(options)) };
}

/**
 * Closed-loop HTTP load: `connections` keep-alive clients, each sending its next GET as soon as
 * the previous answer has been read in full, for a fixed time. The clients run in a child
 * process (http-load-worker.ts) so that they do not share an event loop with the server they
 * measure; latency is measured there, per request, from send to last byte.
 */
async function runNodeLoad(options: LoadOptions): Promise<Omit<LoadResult, 'client'>> {
  const worker = fork(path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-load-worker.ts'), [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
  const sample = await new Promise<LoadSample>((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.kill();
      reject(new Error('the load generator did not finish in time'));
    }, (options.seconds + options.warmupSeconds + 60) * 1000);
    worker.once('message', (message) => {
      clearTimeout(timer);
      if (isLoadSample(message)) resolve(message);
      else reject(new Error('the load generator sent something unexpected'));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the load generator exited (${code}) without a result`));
    });
    worker.send(options);
  });
  return {
    requests: sample.latenciesMs.length,
    requestsPerSecond: sample.latenciesMs.length / sample.seconds,
    errors: sample.errors,
    firstError: sample.firstError,
    latency: summarize(sample.latenciesMs),
    tally: sample.tally,
  };
}

export function isLoadSample(value: unknown): value is LoadSample {
  return typeof value === 'object' && value !== null && 'latenciesMs' in value && value.latenciesMs instanceof Float64Array && 'errors' in value && typeof value.errors === 'number';
}

export function isLoadOptions(value: unknown): value is LoadOptions {
  return typeof value === 'object' && value !== null && 'origin' in value && typeof value.origin === 'string' && 'paths' in value && Array.isArray(value.paths) && 'connections' in value && typeof value.connections === 'number';
}

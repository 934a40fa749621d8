import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnApiProcess, type ApiProcess } from '@pz/api/api-process';
import type { multipartForm } from '@pz/api/files/testing';
import { POSITION_HEADER } from '@pz/api/http/read-your-writes';
import { comparePositions, parsePosition, formatPosition, type LogPosition } from '@pz/contracts';

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Several app processes of one installation (same database schema, secret and blob storage). */
export class Cluster {
  readonly processes: (ApiProcess | null)[] = [];
  private readonly dirs: string[] = [];
  private next = 0;

  constructor(private readonly env: Readonly<Record<string, string>>) {}

  /** Starts (or restarts) process `index` and waits until it answers. */
  async start(index: number): Promise<ApiProcess> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `pz-cluster-${index}-`));
    this.dirs.push(dataDir);
    const started = await spawnApiProcess({ env: { ...this.env, DATA_DIR: dataDir }, startupMs: 120_000 });
    await started.ready;
    this.processes[index] = started;
    return started;
  }

  async kill(index: number): Promise<void> {
    const victim = this.processes[index];
    this.processes[index] = null;
    await victim?.stop('SIGKILL');
  }

  /** The next live process, round robin. */
  pick(): ApiProcess {
    for (let i = 0; i < this.processes.length; i++) {
      const candidate = this.processes[this.next++ % this.processes.length];
      if (candidate) return candidate;
    }
    throw new Error('no live process');
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p?.stop('SIGTERM')));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

export interface Answer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: Headers;
  json<T>(): T;
}

/**
 * A client spreading its requests over the processes round robin, sending back the furthest
 * `X-Pz-Position` it was given (read-your-writes through any process), and retrying on another
 * process when one is gone (connection refused or reset) or still catching up — with the same
 * Idempotency-Key, so a write is recorded once however many times it is sent.
 */
export class Client {
  position: LogPosition | null = null;
  retries = 0;
  constructor(
    private readonly cluster: Cluster,
    public auth: string | null = null,
  ) {}

  async send(method: string, url: string, options: { json?: unknown; form?: ReturnType<typeof multipartForm>; headers?: Record<string, string>; idempotent?: boolean } = {}): Promise<Answer> {
    const key = options.idempotent === false ? null : `cluster-${randomBytes(12).toString('hex')}`;
    for (let attempt = 1; ; attempt++) {
      const target = this.cluster.pick();
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (this.auth) headers.authorization = this.auth;
      if (this.position) headers[POSITION_HEADER] = formatPosition(this.position);
      if (key && method !== 'GET') headers['idempotency-key'] = key;
      let body: Buffer | string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.form) {
        Object.assign(headers, options.form.headers);
        body = options.form.payload;
      }
      try {
        const response = await fetch(`${target.origin}${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
        const bytes = Buffer.from(await response.arrayBuffer());
        // 503: still catching up; 429: upload slots still held by a process that was killed (they expire).
        if ((response.status === 503 || response.status === 429) && attempt < 100) {
          this.retries++;
          await sleep(response.status === 429 ? 500 : 100);
          continue;
        }
        const written = parsePosition(response.headers.get(POSITION_HEADER) ?? '');
        if (written && (!this.position || comparePositions(written, this.position) > 0)) this.position = written;
        return { status: response.status, body: bytes, headers: response.headers, json: <T>() => JSON.parse(bytes.toString('utf8')) as T };
      } catch (error) {
        if (attempt >= 100) throw error;
        this.retries++;
        await sleep(100);
      }
    }
  }
}

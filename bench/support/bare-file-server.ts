import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * The least an HTTP download from node can cost: a bare `node:http` server, in its own process,
 * answering every GET with the given files one after the other (fs streams of 1 MiB, as the blob
 * store reads), no zip, no authentication, no database. Compared with the real download it tells
 * the server's own overhead apart from what moving bytes through node and TCP costs.
 */
export interface BareFileServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const READ_CHUNK_BYTES = 1 << 20;

export async function startBareFileServer(filePaths: readonly string[]): Promise<BareFileServer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...filePaths], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(child.stdout ?? child, 'data')) as [Buffer];
  const port = Number(line.toString('utf8').trim());
  if (!Number.isInteger(port) || child.pid === undefined) throw new Error(`the bare file server did not start: ${line.toString('utf8')}`);
  return {
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function serve(filePaths: readonly string[]): Promise<void> {
  const sizes = await Promise.all(filePaths.map(async (filePath) => (await stat(filePath)).size));
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const server = http.createServer(async (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    for (const filePath of filePaths) {
      for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES })) {
        if (!response.write(chunk)) await once(response, 'drain');
      }
    }
    response.end();
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address !== null ? address.port : ''}\n`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(process.argv.slice(2));

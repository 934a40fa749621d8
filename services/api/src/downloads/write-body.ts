import type { ServerResponse } from 'node:http';
import type { ByteReader } from '@pz/blobs';

/** Buffers per answer: one being filled while the others are on their way to the client. */
const BUFFERS = 4;
const BUFFER_BYTES = 1 << 20;

/**
 * Writes exactly `length` bytes from `reader` to an answer whose headers are sent, through a few
 * buffers used over and over: a buffer is filled again only once the socket reports it written.
 * Streaming a gigabyte through fresh 1 MiB chunks instead made the garbage collector run a full
 * collection every ~40 MB and took as much CPU as the transfer itself. The reader is closed
 * whatever happens; a client that goes away stops the loop; content that ends early fails it
 * (the caller then destroys the connection: the length was promised).
 */
export async function writeBody(response: ServerResponse, reader: ByteReader, length: number): Promise<void> {
  const free: Buffer[] = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(BUFFER_BYTES));
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  response.on('close', wakeUp);
  let remaining = length;
  try {
    while (remaining > 0) {
      while (free.length === 0) {
        if (response.destroyed) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (response.destroyed) return;
      const buffer = free.pop() as Buffer;
      const count = await reader.read(buffer.subarray(0, Math.min(BUFFER_BYTES, remaining)));
      if (count === 0) throw new Error(`the content ended ${remaining} bytes before the announced length of ${length}`);
      remaining -= count;
      response.write(buffer.subarray(0, count), (error) => {
        // A failed write leaves the buffer to the socket's fate; the answer is over anyway.
        if (!error) free.push(buffer);
        wakeUp();
      });
    }
    response.end();
  } finally {
    response.off('close', wakeUp);
    await reader.close();
  }
}

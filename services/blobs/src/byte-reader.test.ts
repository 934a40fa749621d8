import { describe, expect, it } from 'vitest';
import { bytesReader, deferredReader, type ByteReader } from './byte-reader';
import { readerBytes } from './testing';

describe('bytesReader', () => {
  it('gives the bytes in order, whatever the buffer size, then 0', async () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, i) => i);
    for (const size of [1, 3, 10, 64]) expect(await readerBytes(bytesReader(bytes), size)).toEqual(Buffer.from(bytes));
  });
});

describe('deferredReader', () => {
  it('opens only when first read, and closes what it opened', async () => {
    const events: string[] = [];
    const opening = async (): Promise<ByteReader> => {
      events.push('open');
      const inner = bytesReader(Uint8Array.of(1, 2, 3));
      return { read: (into) => inner.read(into), close: async () => void events.push('close') };
    };
    const unread = deferredReader(opening);
    await unread.close();
    expect(events).toEqual([]);

    const read = deferredReader(opening);
    expect(await readerBytes(read, 2)).toEqual(Buffer.from([1, 2, 3]));
    // Closed by readerBytes already: a second close closes nothing twice.
    await read.close();
    expect(events).toEqual(['open', 'close']);
    await expect(read.read(new Uint8Array(1))).rejects.toThrow(/read after close/);
  });

  it('reports a failure to open on read, and still closes cleanly', async () => {
    const reader = deferredReader(async () => {
      throw new Error('no such blob');
    });
    await expect(reader.read(new Uint8Array(4))).rejects.toThrow(/no such blob/);
    await expect(reader.close()).resolves.toBeUndefined();
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Portable } from './sha256-portable';
import { asyncChunks, deterministicBytes, slices } from './testing';

describe('sha256Portable', () => {
  const data = deterministicBytes(4 * 1024 * 1024 + 123, 42);
  const nodeDigest = createHash('sha256').update(data).digest('hex');

  it('gives the digest node:crypto gives, whatever the chunk boundaries', async () => {
    expect(await sha256Portable([data])).toBe(nodeDigest);
    // Sizes around the 64-byte block and at odd offsets, so chunk and block boundaries disagree.
    expect(await sha256Portable(slices(data, [1, 63, 64, 65, 1000, 65_536, 333_333]))).toBe(nodeDigest);
    expect(await sha256Portable(asyncChunks(slices(data, [1_048_577])))).toBe(nodeDigest);
  });

  it('gives the well-known digest of no bytes', async () => {
    expect(await sha256Portable([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

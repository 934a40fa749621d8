import { Transform } from 'node:stream';

/** Archives may expand to this many times their own size (zip bombs expand ~1000x). */
export const MAX_EXPANSION_RATIO = 20;
/** Small archives of very repetitive text may exceed the ratio harmlessly. */
const RATIO_FLOOR_BYTES = 1 << 20;

export const extractionLimit = (archiveBytes: number, maxExtractedBytes: number): number =>
  Math.min(maxExtractedBytes, Math.max(archiveBytes * MAX_EXPANSION_RATIO, RATIO_FLOOR_BYTES));

export class ExtractionCapExceeded extends Error {
  constructor(readonly limit: number) {
    super(`expands beyond ${limit} bytes`);
  }
}

/** Passes bytes through until `limit` is crossed, then fails the pipeline it sits in. */
export function capBytes(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > limit) done(new ExtractionCapExceeded(limit));
      else done(null, chunk);
    },
  });
}

import type { ExpectedRevision, WrongExpectedRevision } from '@pz/contracts';

/** Does a stream whose last revision is `actual` (-1n: no stream) meet the expectation? */
export function meetsExpectation(expected: ExpectedRevision, actual: bigint): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === -1n;
  if (expected === 'stream_exists') return actual >= 0n;
  return expected === actual;
}

export function wrongExpectedRevision(streamName: string, expected: ExpectedRevision, actual: bigint): WrongExpectedRevision {
  const want = typeof expected === 'bigint' ? `revision ${expected}` : expected;
  const have = actual === -1n ? 'no stream' : `revision ${actual}`;
  return {
    code: 'WRONG_EXPECTED_REVISION',
    message: `stream ${streamName}: expected ${want}, found ${have}`,
    streamName,
    expected,
    actual,
  };
}

import { describe, expect, it } from 'vitest';
import { validateEvent } from './validate-event';

describe('validateEvent', () => {
  it('accepts an event that matches its schema', () => {
    expect(validateEvent({ type: 'ProductPublished', data: { productId: 3 } })).toBeNull();
  });
  it('names the event and the path of a mismatch', () => {
    const problem = validateEvent({ type: 'ProductFileAttached', data: { productId: 1, fileId: 2, role: 7, name: 'x', mimeType: 't', extension: 'csv', size: 1, sha256: 'a'.repeat(64), crc32: 0, stored: true } });
    expect(problem?.code).toBe('EVENT_SCHEMA_VIOLATION');
    expect(problem?.message).toContain('ProductFileAttached');
    expect(problem?.message).toContain('role');
  });
  it('refuses unknown event types', () => {
    expect(validateEvent({ type: 'SomethingHappened', data: {} })?.message).toContain('unknown event type');
  });
});

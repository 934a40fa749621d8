import { describe, expect, it } from 'vitest';
import { eventIdFor, uuidV5 } from './event-ids';

describe('uuidV5', () => {
  it('matches the RFC 4122 example for the DNS namespace', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('gives a retried command the same event ids and another command other ids', () => {
    expect(eventIdFor('cmd-1', 'product-1', 0)).toBe(eventIdFor('cmd-1', 'product-1', 0));
    expect(eventIdFor('cmd-1', 'product-1', 1)).not.toBe(eventIdFor('cmd-1', 'product-1', 0));
    expect(eventIdFor('cmd-2', 'product-1', 0)).not.toBe(eventIdFor('cmd-1', 'product-1', 0));
  });
});

import { describe, expect, it } from 'vitest';
import { internalNameOf } from './product-rules';

describe('internalNameOf', () => {
  it('prefixes the id and keeps only letters, digits and underscores', () => {
    expect(internalNameOf(12, 'My Great  Catalog (v2)!')).toBe('12_my_great__catalog_v2');
  });
  it('lower-cases and turns every space into an underscore', () => {
    expect(internalNameOf(3, 'DP1 Sample')).toBe('3_dp1_sample');
  });
});

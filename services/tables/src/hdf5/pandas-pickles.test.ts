import { describe, expect, it } from 'vitest';
import { pickledIndexName, pickledStringList } from './pandas-pickles';

describe('pandas protocol-0 pickles', () => {
  it('reads lists of column names', () => {
    expect(pickledStringList('(lp0\nVra\np1\naVdec\np2\naVz\np3\na.')).toEqual(['ra', 'dec', 'z']);
    expect(pickledStringList('(lp0\nVna\\u00efve\np1\na.')).toEqual(['naïve']);
    expect(pickledStringList('N.')).toBeNull();
  });

  it('finds a named index, and nothing for an unnamed one', () => {
    const named = '(dp0\nI1\n(dp1\nVnames\np2\n(lp3\nNasVtype\np4\nVIndex\np5\nssVindex\np6\n(dp7\nVindex_name\np8\nVobjid\np9\nss.';
    expect(pickledIndexName(named)).toBe('objid');
    expect(pickledIndexName('(dp0\nI1\n(dp1\nVnames\np2\n(lp3\nNasVindex\np6\n(dp7\ns.')).toBeNull();
  });
});

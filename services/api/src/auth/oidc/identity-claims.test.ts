import { describe, expect, it } from 'vitest';
import { groupNamesFromClaim, profileFromClaims, usernameCandidate, usernameWish } from './identity-claims';

describe('identity claims', () => {
  it('wishes for preferred_username, then the email before the @, then sub, made fit for a username', () => {
    expect(usernameWish({ sub: 'x1', preferred_username: 'vera.rubin', email: 'vr@example.org' })).toBe('vera.rubin');
    expect(usernameWish({ sub: 'x1', email: 'vr@example.org' })).toBe('vr');
    expect(usernameWish({ sub: 'CILogon/user 42' })).toBe('CILogon-user-42');
    expect(usernameWish({ sub: 'x', preferred_username: 'Zoë Ångström' })).toBe('Zoe-Angstrom');
    expect(usernameWish({ sub: '@' })).toBe('user');
    expect([0, 1, 2].map((n) => usernameCandidate('vera', n))).toEqual(['vera', 'vera-2', 'vera-3']);
  });
  it('takes name and email from the standard claims, cut and cleaned', () => {
    expect(profileFromClaims({ given_name: 'Vera', family_name: 'Rubin\u0000', email: 'vr@example.org' })).toEqual({ firstName: 'Vera', lastName: 'Rubin', email: 'vr@example.org' });
    expect(profileFromClaims({ given_name: 'x'.repeat(300), email: 'not an email', family_name: 7 })).toEqual({ firstName: 'x'.repeat(150), lastName: '', email: '' });
  });
  it('reads groups from an array of strings, or from a space- or comma-separated string', () => {
    expect(groupNamesFromClaim(['dp1', 'rubin', 'dp1', 3])).toEqual(['dp1', 'rubin']);
    expect(groupNamesFromClaim('dp1 rubin,lsst-sci , ')).toEqual(['dp1', 'rubin', 'lsst-sci']);
    expect(groupNamesFromClaim(undefined)).toEqual([]);
    expect(groupNamesFromClaim({ dp1: true })).toEqual([]);
  });
});

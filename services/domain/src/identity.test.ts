import { describe, expect, it } from 'vitest';
import type { PzEvent } from '@pz/contracts';
import { fold } from './aggregate';
import { identityDecider } from './identity';
import { userDecider } from './user';

const link = (userId: number, username: string): PzEvent => ({ type: 'IdentityLinked', data: { issuer: 'https://idp', subject: 's1', userId, username } });
const linkCommand = (replaces: number | null) => ({ type: 'LinkIdentity' as const, issuer: 'https://idp', subject: 's1', userId: 9, username: 'vera', replaces });

describe('identity decider', () => {
  it('links a new identity to a user', () => {
    expect(identityDecider.decide(linkCommand(null), fold(identityDecider, []))).toEqual({ ok: true, value: [link(9, 'vera')] });
  });
  it('refuses to move a linked identity, unless from the very link found unregistered', () => {
    const linked = fold(identityDecider, [link(3, 'ana')]);
    expect(identityDecider.decide(linkCommand(null), linked)).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    // Another login replaced link 3 in between: this one, decided on link 3, must not move it again.
    expect(identityDecider.decide(linkCommand(3), fold(identityDecider, [link(3, 'ana'), link(5, 'ana-2')]))).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    expect(identityDecider.decide(linkCommand(3), linked)).toEqual({ ok: true, value: [link(9, 'vera')] });
    expect(fold(identityDecider, [link(3, 'ana'), link(9, 'vera')]).link).toEqual({ userId: 9, username: 'vera' });
  });
});

describe('user profile', () => {
  const registered = fold(userDecider, [{ type: 'UserRegistered', data: { userId: 1, username: 'vera', firstName: 'Vera', lastName: 'Rubin', email: 'v@example.org', passwordHash: '', isAdmin: false } }]);
  it('records a change of name or email, and nothing when they are the same', () => {
    expect(userDecider.decide({ type: 'UpdateProfile', firstName: 'Vera', lastName: 'Rubin', email: 'v@example.org' }, registered)).toEqual({ ok: true, value: [] });
    expect(userDecider.decide({ type: 'UpdateProfile', firstName: 'Vera C.', lastName: 'Rubin', email: 'v@example.org' }, registered)).toEqual({
      ok: true, value: [{ type: 'UserProfileChanged', data: { userId: 1, firstName: 'Vera C.', lastName: 'Rubin', email: 'v@example.org' } }],
    });
    const changed = fold(userDecider, [{ type: 'UserRegistered', data: { userId: 1, username: 'vera', firstName: 'Vera', lastName: 'Rubin', email: 'v@example.org', passwordHash: '', isAdmin: false } }, { type: 'UserProfileChanged', data: { userId: 1, firstName: 'V', lastName: 'R', email: 'x@y' } }]);
    expect(userDecider.decide({ type: 'UpdateProfile', firstName: 'V', lastName: 'R', email: 'x@y' }, changed)).toEqual({ ok: true, value: [] });
  });
  it('refuses a profile a person could not have typed', () => {
    expect(userDecider.decide({ type: 'UpdateProfile', firstName: 'a\u0000', lastName: '', email: '' }, registered)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'first_name' } });
  });
});

import { describe, expect, it } from 'vitest';
import type { PzEvent } from '@pz/contracts';
import { fold } from './aggregate';
import { releaseDecider, type ReleaseCommand } from './catalogue-setup';
import { groupDecider, groupStreamId, type GroupCommand } from './group';

const created: PzEvent = { type: 'GroupCreated', data: { name: 'dp1-rights', description: '', source: 'admin' } };
const added = (userId: number, source: 'admin' | 'identity_provider'): PzEvent => ({ type: 'GroupMemberAdded', data: { name: 'dp1-rights', userId, source } });
const removed = (userId: number, source: 'admin' | 'identity_provider'): PzEvent => ({ type: 'GroupMemberRemoved', data: { name: 'dp1-rights', userId, source } });

/** Given these events, when this command: the decision. */
const when = (given: PzEvent[], command: GroupCommand) => groupDecider.decide(command, fold(groupDecider, given));
const whenRelease = (given: PzEvent[], command: ReleaseCommand) => releaseDecider.decide(command, fold(releaseDecider, given));

describe('group decider', () => {
  it('creates a group once, for admins only, with a name identity providers use', () => {
    expect(when([], { type: 'CreateGroup', callerIsAdmin: true, name: 'dp1-rights', description: '', source: 'admin' })).toEqual({ ok: true, value: [created] });
    expect(when([], { type: 'CreateGroup', callerIsAdmin: true, name: '/rubin/dp1:rights@ncsa', description: '', source: 'identity_provider' }).ok).toBe(true);
    expect(when([], { type: 'CreateGroup', callerIsAdmin: false, name: 'x', description: '', source: 'admin' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(when([created], { type: 'CreateGroup', callerIsAdmin: true, name: 'dp1-rights', description: '', source: 'admin' })).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    expect(when([], { type: 'CreateGroup', callerIsAdmin: true, name: 'has space', description: '', source: 'admin' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'name' } });
  });

  it('adds and removes each source\'s membership separately, idempotently', () => {
    expect(when([created], { type: 'AddGroupMember', callerIsAdmin: true, userId: 4, source: 'admin' })).toEqual({ ok: true, value: [added(4, 'admin')] });
    expect(when([created, added(4, 'admin')], { type: 'AddGroupMember', callerIsAdmin: true, userId: 4, source: 'admin' })).toEqual({ ok: true, value: [] });
    expect(when([created, added(4, 'admin')], { type: 'AddGroupMember', callerIsAdmin: true, userId: 4, source: 'identity_provider' })).toEqual({ ok: true, value: [added(4, 'identity_provider')] });
    expect(when([created, added(4, 'admin'), added(4, 'identity_provider')], { type: 'RemoveGroupMember', callerIsAdmin: true, userId: 4, source: 'identity_provider' })).toEqual({ ok: true, value: [removed(4, 'identity_provider')] });
    expect(when([created, added(4, 'admin'), removed(4, 'admin')], { type: 'RemoveGroupMember', callerIsAdmin: true, userId: 4, source: 'admin' })).toEqual({ ok: true, value: [] });
  });

  it('names a group\'s stream by its name, or by the sha256 of a name stream ids cannot hold', () => {
    expect(groupStreamId('dp1-rights')).toBe('dp1-rights');
    expect(groupStreamId('/rubin/dp1')).toMatch(/^:[0-9a-f]{64}$/);
    expect(groupStreamId('org:team')).not.toBe(groupStreamId('org/team'));
  });

  it('refuses members of a group that does not exist, and non-admins', () => {
    expect(when([], { type: 'AddGroupMember', callerIsAdmin: true, userId: 4, source: 'admin' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(when([created], { type: 'RemoveGroupMember', callerIsAdmin: false, userId: 4, source: 'admin' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});

describe('release access', () => {
  const release: PzEvent = { type: 'ReleaseAdded', data: { releaseId: 1, name: 'DP1', displayName: 'DP1', description: '', indexingColumn: 'objectId', hasMagHats: false, hasFluxHats: false, dereddening: null, fluxes: [], isPublic: true } };
  const set = (groups: string[]): Extract<ReleaseCommand, { type: 'SetReleaseAccess' }> => ({ type: 'SetReleaseAccess', callerIsAdmin: true, groups, missingGroups: [] });

  it('restricts to the named groups (sorted, once each), back to public, and decides nothing when unchanged', () => {
    expect(whenRelease([release], set(['b', 'a', 'b']))).toEqual({ ok: true, value: [{ type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: ['a', 'b'] } }] });
    const restricted: PzEvent = { type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: ['a', 'b'] } };
    expect(whenRelease([release, restricted], set(['a', 'b']))).toEqual({ ok: true, value: [] });
    expect(whenRelease([release, restricted], set([]))).toEqual({ ok: true, value: [{ type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: [] } }] });
    expect(whenRelease([release], set([]))).toEqual({ ok: true, value: [] });
  });

  it('makes a release added as not public public when set to no groups', () => {
    const hidden: PzEvent = { ...release, data: { ...(release.data as object), isPublic: false } } as PzEvent;
    expect(whenRelease([hidden], set([]))).toEqual({ ok: true, value: [{ type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: [] } }] });
  });

  it('refuses non-admins, unknown releases and unknown groups', () => {
    expect(whenRelease([release], { ...set(['a']), callerIsAdmin: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(whenRelease([], set(['a']))).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(whenRelease([release], { ...set(['a', 'zz']), missingGroups: ['zz'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'groups' } });
  });
});

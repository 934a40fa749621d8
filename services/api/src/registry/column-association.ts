import { COLUMN_ROLES } from '@pz/contracts';
import type { Problem } from '../http/problem';

export interface ColumnAssociation {
  readonly ucd: string | null;
  readonly alias: string | null;
}

/** A PATCH body's field: absent (keep), empty or null (clear), or a value. */
type Requested = string | null | undefined;

const ROLE_ALIASES = COLUMN_ROLES.map((r) => r.alias).join(', ');
// IVOA UCD words are dotted atoms joined by `;`; anything else is a typo or not a UCD at all.
const UCD_SYNTAX = /^[A-Za-z][\w-]*(\.[\w-]+)*(;[A-Za-z][\w-]*(\.[\w-]+)*)*$/;

const roleByAlias = (alias: string) => COLUMN_ROLES.find((r) => r.alias.toLowerCase() === alias.toLowerCase());
const roleByUcd = (ucd: string) => COLUMN_ROLES.find((r) => r.ucd.toLowerCase() === ucd.toLowerCase());
const filled = (value: Requested): value is string => typeof value === 'string' && value !== '';

/**
 * The (ucd, alias) a column gets from a PATCH, kept consistent with COLUMN_ROLES: an alias must
 * be a role and brings its UCD; a role's UCD brings its alias; any other well-formed UCD is kept
 * without an alias. Clearing the alias drops a role's UCD with it, and clearing the UCD drops
 * the alias.
 */
export function resolveColumnAssociation(current: ColumnAssociation, ucd: Requested, alias: Requested): ColumnAssociation | Problem {
  if (ucd === undefined && alias === undefined) return { code: 'VALIDATION_FAILED', message: 'send ucd, alias or both (an empty value clears them)' };
  const wantedAlias = typeof alias === 'string' ? alias.trim() : alias;
  const wantedUcd = typeof ucd === 'string' ? ucd.trim() : ucd;

  if (filled(wantedAlias)) {
    const role = roleByAlias(wantedAlias);
    if (!role) return { code: 'VALIDATION_FAILED', message: `alias "${wantedAlias}" is not a column role; use one of ${ROLE_ALIASES}, or an empty value to clear it`, field: 'alias' };
    if (filled(wantedUcd) && wantedUcd.toLowerCase() !== role.ucd.toLowerCase()) {
      return { code: 'VALIDATION_FAILED', message: `ucd "${wantedUcd}" does not match alias ${role.alias}, whose UCD is "${role.ucd}"`, field: 'ucd' };
    }
    return { ucd: role.ucd, alias: role.alias };
  }
  if (filled(wantedUcd)) {
    const role = roleByUcd(wantedUcd);
    if (role) return { ucd: role.ucd, alias: role.alias };
    if (wantedUcd.length > 128 || !UCD_SYNTAX.test(wantedUcd)) return { code: 'VALIDATION_FAILED', message: `ucd "${wantedUcd.slice(0, 128)}" is not a UCD (words like "phot.mag;em.opt.r")`, field: 'ucd' };
    return { ucd: wantedUcd, alias: null };
  }
  if (wantedUcd === undefined && current.ucd !== null && !roleByUcd(current.ucd)) return { ucd: current.ucd, alias: null };
  return { ucd: null, alias: null };
}

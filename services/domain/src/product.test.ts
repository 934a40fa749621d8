import { describe, expect, it } from 'vitest';
import type { PzEvent } from '@pz/contracts';
import { fold } from './aggregate';
import { productDecider, type ProductCommand, type SuggestedAssociation } from './product';

const owner = { userId: 1, isAdmin: false };
const other = { userId: 2, isAdmin: false };
const admin = { userId: 9, isAdmin: true };

const registered = (typeName = 'redshift_catalog'): PzEvent => ({
  type: 'ProductRegistered',
  data: { productId: 5, internalName: '5_x', displayName: 'x', productTypeName: typeName, releaseName: null, officialProduct: false, pzCode: null, description: null, ownerId: 1, origin: 'Upload', processId: null, derivedFrom: [], initialStatus: 0 },
});
const mainFile: PzEvent = { type: 'ProductFileAttached', data: { productId: 5, fileId: 50, role: 0, name: 'a.csv', mimeType: 'text/csv', extension: 'csv', size: 10, sha256: 'a'.repeat(64), crc32: 1, stored: true } };
const contents: PzEvent = {
  type: 'ProductContentsRegistered',
  data: { productId: 5, fileId: 50, format: 'csv', nRows: 2, details: {}, columns: ['ra', 'dec', 'z', 'mag'].map((name, order) => ({ id: 100 + order, name, type: 'float', order, ucd: null, alias: null })) },
};
const mapped = (columnName: string, alias: string): PzEvent => ({ type: 'ProductColumnAssociated', data: { productId: 5, columnName, ucd: null, alias } });
const ready = [registered(), mainFile, contents, mapped('ra', 'RA'), mapped('dec', 'Dec'), mapped('z', 'z')];

/** Given these events, when this command: the decision. */
const when = (given: PzEvent[], command: ProductCommand) => productDecider.decide(command, fold(productDecider, given));

describe('product decider', () => {
  it('registers with the internal name rule and the caller as owner', () => {
    const r = when([], { type: 'RegisterProduct', caller: owner, releaseExists: true, data: { productId: 7, displayName: 'My Cat 2', productTypeName: 'other', releaseName: null, officialProduct: false, pzCode: null, description: null, derivedFrom: [] } });
    expect(r.ok && r.value).toEqual([expect.objectContaining({ type: 'ProductRegistered', data: expect.objectContaining({ internalName: '7_my_cat_2', ownerId: 1, origin: 'Upload', initialStatus: 0 }) })]);
  });

  it('refuses a release for a reference redshift catalog and official products from non-admins', () => {
    const base = { productId: 7, displayName: 'x', productTypeName: 'redshift_catalog', releaseName: 'DP1', officialProduct: false, pzCode: null, description: null, derivedFrom: [] };
    expect(when([], { type: 'RegisterProduct', caller: owner, releaseExists: true, data: base })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'release' } });
    expect(when([], { type: 'RegisterProduct', caller: owner, releaseExists: true, data: { ...base, releaseName: null, officialProduct: true } })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(when([], { type: 'RegisterProduct', caller: admin, releaseExists: true, data: { ...base, releaseName: null, officialProduct: true } }).ok).toBe(true);
  });

  it('bounds the description by product type, on registration and on edit, naming description', () => {
    const base = { productId: 7, displayName: 'x', productTypeName: 'training_set', releaseName: null, officialProduct: false, pzCode: null, derivedFrom: [] };
    const register = (productTypeName: string, length: number) => when([], { type: 'RegisterProduct', caller: owner, releaseExists: true, data: { ...base, productTypeName, description: 'a'.repeat(length) } });
    expect(register('training_set', 64_000).ok).toBe(true);
    expect(register('training_set', 64_001)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'description' } });
    expect(register('other', 16_000).ok).toBe(true);
    expect(register('other', 16_001)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'description' } });
    expect(when([registered('other')], { type: 'EditProductMetadata', caller: owner, releaseExists: true, changes: { description: 'a'.repeat(16_001) } })).toMatchObject({ ok: false, error: { field: 'description' } });
    expect(when([registered('training_set')], { type: 'EditProductMetadata', caller: owner, releaseExists: true, changes: { description: 'a'.repeat(16_001) } }).ok).toBe(true);
  });

  it('publishes only with the required roles mapped, naming the missing ones', () => {
    const partial = [registered(), mainFile, contents, mapped('ra', 'RA')];
    expect(when(partial, { type: 'PublishProduct', caller: owner })).toMatchObject({ ok: false, error: { code: 'MISSING_REQUIRED_COLUMNS', message: expect.stringContaining('Dec, z') } });
    expect(when(ready, { type: 'PublishProduct', caller: owner })).toEqual({ ok: true, value: [{ type: 'ProductPublished', data: { productId: 5 } }] });
    expect(when(ready, { type: 'PublishProduct', caller: other })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('gives each role to one column at a time', () => {
    expect(when(ready, { type: 'AssociateColumn', caller: owner, columnName: 'mag', ucd: null, alias: 'z' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', field: 'alias' } });
    expect(when(ready, { type: 'AssociateColumn', caller: owner, columnName: 'z', ucd: null, alias: 'z' }).ok).toBe(true);
  });

  it('keeps a published product whole: no unmapping a required role, no new main file, no registry', () => {
    const published = [...ready, { type: 'ProductPublished', data: { productId: 5 } } as PzEvent];
    expect(when(published, { type: 'AssociateColumn', caller: owner, columnName: 'z', ucd: null, alias: null })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(when(published, { type: 'AssociateColumn', caller: owner, columnName: 'mag', ucd: null, alias: 'z_err' }).ok).toBe(true);
    expect(when(published, { type: 'RemoveProductFile', caller: owner, fileId: 50 })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(when(published, { type: 'FailProductRegistry', caller: owner, fileId: 50, code: 'X', reason: 'y' })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
  });

  it('refuses a registry result about a main file that was replaced meanwhile', () => {
    const replaced = [registered(), mainFile, { type: 'ProductFileRemoved', data: { productId: 5, fileId: 50 } } as PzEvent];
    expect(when(replaced, { type: 'RegisterProductContents', caller: owner, newColumnIds: [1], contents: { fileId: 50, format: 'csv', nRows: 1, details: {}, columns: [{ name: 'a', type: 'int' }] } })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('keeps the ids and mappings of same-named columns when registry runs again', () => {
    const r = when(ready, { type: 'RegisterProductContents', caller: owner, newColumnIds: [900], contents: { fileId: 50, format: 'csv', nRows: 3, details: {}, columns: [{ name: 'z', type: 'float' }, { name: 'new', type: 'int' }] } });
    expect(r.ok && r.value[0]?.type === 'ProductContentsRegistered' && r.value[0].data.columns).toEqual([
      { id: 102, name: 'z', type: 'float', order: 0, ucd: null, alias: 'z', associatedBy: 'owner' },
      { id: 900, name: 'new', type: 'int', order: 1, ucd: null, alias: null },
    ]);
  });

  it('lets only admins set or clear the official flag, and deletes softly once', () => {
    expect(when(ready, { type: 'SetOfficial', caller: owner, official: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(when(ready, { type: 'SetOfficial', caller: admin, official: true })).toEqual({ ok: true, value: [{ type: 'ProductMarkedOfficial', data: { productId: 5 } }] });
    const deleted = [...ready, { type: 'ProductDeleted', data: { productId: 5 } } as PzEvent];
    expect(when(deleted, { type: 'DeleteProduct', caller: owner })).toEqual({ ok: true, value: [] });
    expect(when(deleted, { type: 'EditProductMetadata', caller: owner, changes: { displayName: 'y' }, releaseExists: true })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
  });

  describe('suggested roles', () => {
    const ra = { ucd: 'pos.eq.ra;meta.main', alias: 'RA', confidence: 0.9 };
    const register = (events: PzEvent[], columns: { name: string; type: string; suggestion?: SuggestedAssociation }[]) =>
      when(events, { type: 'RegisterProductContents', caller: owner, newColumnIds: [901, 902, 903], contents: { fileId: 50, format: 'csv', nRows: 3, details: {}, columns } });
    const columnsOf = (r: ReturnType<typeof register>) => (r.ok && r.value[0]?.type === 'ProductContentsRegistered' ? r.value[0].data.columns : []);

    it('pre-fill ucd and alias with the confidence, and carry what the file says of the column', () => {
      const r = register([registered(), mainFile], [{ name: 'RA', type: 'float', suggestion: ra, ...{ unit: 'deg', fileUcd: 'pos.eq.ra', description: 'Right ascension' } }]);
      expect(columnsOf(r)).toEqual([{ id: 901, name: 'RA', type: 'float', order: 0, ucd: 'pos.eq.ra;meta.main', alias: 'RA', associatedBy: 'suggestion', confidence: 0.9, unit: 'deg', fileUcd: 'pos.eq.ra', description: 'Right ascension' }]);
    });

    it('never overwrite a choice of the owner, a cleared column included, nor take a role the owner gave', () => {
      // `ra` was mapped by the owner to RA; `mag` was cleared by the owner.
      const history = [...ready, { type: 'ProductColumnAssociated', data: { productId: 5, columnName: 'mag', ucd: null, alias: null } } as PzEvent];
      const r = register(history, [
        { name: 'ra', type: 'float', suggestion: { ucd: 'pos.eq.dec;meta.main', alias: 'Dec', confidence: 0.5 } },
        { name: 'mag', type: 'float', suggestion: { ucd: 'phot.mag', alias: null, confidence: 0.8 } },
        { name: 'RA2', type: 'float', suggestion: ra },
      ]);
      expect(columnsOf(r).map((c) => [c.name, c.alias, c.ucd, c.associatedBy ?? null])).toEqual([
        ['ra', 'RA', null, 'owner'],
        ['mag', null, null, 'owner'],
        ['RA2', null, null, null],
      ]);
    });

    it('replace an earlier suggestion with the new one on a re-registry', () => {
      const first = register([registered(), mainFile], [{ name: 'x', type: 'float', suggestion: ra }]);
      const second = register([registered(), mainFile, ...(first.ok ? first.value : [])], [{ name: 'x', type: 'float' }]);
      expect(columnsOf(second)[0]).toMatchObject({ ucd: null, alias: null });
    });

    it('move to the column the owner names: the role leaves the suggested column in the same decision', () => {
      const first = register([registered(), mainFile], [{ name: 'RA_OPT', type: 'float', suggestion: ra }, { name: 'RA', type: 'float' }]);
      const history = [registered(), mainFile, ...(first.ok ? first.value : [])];
      const r = when(history, { type: 'AssociateColumn', caller: owner, columnName: 'RA', ucd: 'pos.eq.ra;meta.main', alias: 'RA' });
      expect(r.ok && r.value.map((e) => e.data)).toEqual([
        { productId: 5, columnName: 'RA_OPT', ucd: null, alias: null },
        { productId: 5, columnName: 'RA', ucd: 'pos.eq.ra;meta.main', alias: 'RA' },
      ]);
    });

    it('count for publishing like the owner\'s own mappings', () => {
      const suggested = (name: string, alias: string) => ({ name, type: 'float', suggestion: { ucd: 'x', alias, confidence: 0.9 } });
      const r = register([registered(), mainFile], [suggested('ra', 'RA'), suggested('dec', 'Dec'), suggested('z', 'z')]);
      expect(when([registered(), mainFile, ...(r.ok ? r.value : [])], { type: 'PublishProduct', caller: owner }).ok).toBe(true);
    });
  });
});

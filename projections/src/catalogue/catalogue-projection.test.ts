import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { CURRENT_SCHEMA_VERSION, comparePositions, validateEvent, type EventStore, type LogPosition, type PzEvent } from '@pz/contracts';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { openPostgresEventStore } from '@pz/ledger/postgres/postgres-event-store';
import { createProjector } from '../projector';
import { catalogueProjection } from './catalogue-projection';

const TABLES = ['product_types', 'releases', 'users', 'api_tokens', 'products', 'product_files', 'product_contents', 'product_registry', 'product_shares', 'catalogue_listing_changes', 'groups', 'group_members', 'release_access'];

const metadata = (n: number) => ({
  actor: { kind: 'system' as const, userId: null, username: null },
  client: { kind: 'system' as const },
  correlationId: `c${n}`,
  causationId: `c${n}`,
  recordedAt: new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
});

/**
 * Every catalogue event type, with the awkward orders: a product registered before its owner,
 * columns annotated, re-registered and cleared by removing the main file, files removed that
 * were attached in the same page or long before, shares revoked, edits of unknown products.
 * Product lives are interleaved, so pages cut them anywhere.
 */
function scenario(): [string, PzEvent][] {
  const user = (userId: number, username: string): [string, PzEvent] => [`user-${username}`, { type: 'UserRegistered', data: { userId, username, firstName: username.toUpperCase(), lastName: 'Tester', email: `${username}@example.org`, passwordHash: 'scrypt$x', isAdmin: false } }];
  const head: [string, PzEvent][] = [
    ['producttype-training_set', { type: 'ProductTypeSeeded', data: { productTypeId: 2, name: 'training_set', displayName: 'Training Set', order: 2, description: 'd' } }],
    ['release-DP1', { type: 'ReleaseAdded', data: { releaseId: 1, name: 'DP1', displayName: 'LSST DP1', description: 'd', indexingColumn: 'objectId', hasMagHats: false, hasFluxHats: true, dereddening: null, fluxes: ['u'], isPublic: true } }],
    user(1, 'ana'),
    user(2, 'bruno'),
    ['user-ana', { type: 'ApiTokenIssued', data: { userId: 1, tokenId: 't1', tokenHash: 'a'.repeat(64), replacesTokenId: null } }],
  ];
  const lives: [string, PzEvent][][] = [];
  for (let i = 1; i <= 24; i++) {
    const productId = i;
    const s = `product-${i}`;
    const life: PzEvent[] = [];
    const columns = (names: string[]) => names.map((name, k) => ({ id: i * 100 + k, name, type: 'float64', order: k, ucd: null, alias: null }));
    life.push({ type: 'ProductRegistered', data: { productId, internalName: `${i}_product_${i}`, displayName: `Product ${i}`, productTypeName: 'training_set', releaseName: i % 3 ? 'DP1' : null, officialProduct: i % 7 === 0, pzCode: null, description: `about ${i}`, ownerId: i === 5 ? 3 : (i % 2) + 1, origin: 'Upload', processId: null, derivedFrom: i > 2 ? [i - 1] : [], initialStatus: 0 } });
    life.push({ type: 'ProductFileAttached', data: { productId, fileId: i * 10, role: 0, name: `p${i}.csv`, mimeType: 'text/csv', extension: 'csv', size: 100 * i, sha256: 'b'.repeat(64), crc32: i, stored: true } });
    if (i % 2) life.push({ type: 'ProductFileAttached', data: { productId, fileId: i * 10 + 1, role: 1, name: `p${i}.pdf`, mimeType: 'application/pdf', extension: 'pdf', size: 10, sha256: 'c'.repeat(64), crc32: 1, stored: true } });
    if (i % 5 === 0) life.push({ type: 'ProductRegistryFailed', data: { productId, fileId: i * 10, code: 'UNREADABLE_TABLE', reason: 'no' } });
    if (i % 3 !== 0) {
      life.push({ type: 'ProductContentsRegistered', data: { productId, fileId: i * 10, format: 'csv', nRows: i * 1000, columns: columns(['id', 'ra', 'dec', 'z']), details: { delimiter: ',' } } });
      life.push({ type: 'ProductColumnAssociated', data: { productId, columnName: 'ra', ucd: 'pos.eq.ra;meta.main', alias: 'RA' } });
      life.push({ type: 'ProductColumnAssociated', data: { productId, columnName: 'nope', ucd: 'x', alias: 'X' } });
    }
    if (i % 4 === 0) {
      life.push({ type: 'ProductContentsRegistered', data: { productId, fileId: i * 10, format: 'csv', nRows: null, columns: columns(['id', 'ra', 'dec']), details: {} } });
      life.push({ type: 'ProductColumnAssociated', data: { productId, columnName: 'dec', ucd: 'pos.eq.dec;meta.main', alias: 'Dec' } });
    }
    if (i % 6 === 0) {
      life.push({ type: 'ProductFileRemoved', data: { productId, fileId: i * 10 } });
      life.push({ type: 'ProductFileAttached', data: { productId, fileId: i * 10 + 2, role: 0, name: `p${i}b.csv`, mimeType: 'text/csv', extension: 'csv', size: 5, sha256: 'd'.repeat(64), crc32: 2, stored: false } });
    }
    if (i % 7 === 1) life.push({ type: 'ProductFileRemoved', data: { productId, fileId: i * 10 + 1 } });
    if (i % 11 === 0) life.push({ type: 'ProductFileRemoved', data: { productId, fileId: 999_999 } });
    if (i % 2 === 0) life.push({ type: 'ProductMetadataEdited', data: { productId, changes: { displayName: `Renamed ${i}` } } });
    if (i % 3 === 0) life.push({ type: 'ProductMetadataEdited', data: { productId, changes: { description: null, pzCode: 'bpz', releaseName: 'DP1' } } });
    if (i % 4 === 1) life.push({ type: 'ProductDerivationDeclared', data: { productId, derivedFrom: [1, 2] } });
    if (i % 2) life.push({ type: 'ProductPublished', data: { productId } });
    if (i % 9 === 0) life.push({ type: 'ProductProcessingFailed', data: { productId, reason: 'pipeline failed' } });
    if (i % 5 === 1) life.push({ type: 'ProductMarkedOfficial', data: { productId } });
    if (i % 10 === 1) life.push({ type: 'ProductOfficialCleared', data: { productId } });
    if (i % 3 === 1) life.push({ type: 'ProductShared', data: { productId, shareId: `share-${i}`, keyHash: String(i).padStart(64, 'e'), expiresAt: i % 2 ? null : '2026-01-01T00:00:00.000Z' } });
    if (i % 6 === 1) life.push({ type: 'ProductShareRevoked', data: { productId, shareId: `share-${i}` } });
    if (i % 8 === 0) life.push({ type: 'ProductDeleted', data: { productId } });
    lives.push(life.map((e) => [s, e]));
  }
  const interleaved: [string, PzEvent][] = [];
  for (let step = 0; lives.some((l) => l.length > step); step++) {
    for (const life of lives) if (life[step]) interleaved.push(life[step] as [string, PzEvent]);
    if (step === 1) interleaved.push(user(3, 'carla'), ['user-ana', { type: 'UserPasswordChanged', data: { userId: 1, passwordHash: 'scrypt$y' } }]);
    if (step === 3) interleaved.push(['user-bruno', { type: 'UserAdminRoleChanged', data: { userId: 2, isAdmin: true } }], ['user-bruno', { type: 'UserProfileChanged', data: { userId: 2, firstName: 'Bruno', lastName: 'Moraes', email: 'bruno@example.org' } }], ['user-ana', { type: 'ApiTokenIssued', data: { userId: 1, tokenId: 't2', tokenHash: 'f'.repeat(64), replacesTokenId: 't1' } }]);
    if (step === 5) interleaved.push(['user-ana', { type: 'ApiTokenRevoked', data: { userId: 1, tokenId: 't2' } }], ['product-999', { type: 'ProductMetadataEdited', data: { productId: 999, changes: { displayName: 'nobody' } } }]);
    // Data rights: a group, memberships from both sources (one removed), and DP1 restricted, opened, restricted again.
    if (step === 2) interleaved.push(['group-dp1', { type: 'GroupCreated', data: { name: 'dp1', description: 'rights', source: 'admin' } }], ['group-dp1', { type: 'GroupMemberAdded', data: { name: 'dp1', userId: 1, source: 'admin' } }]);
    if (step === 4) interleaved.push(['group-dp1', { type: 'GroupMemberAdded', data: { name: 'dp1', userId: 2, source: 'identity_provider' } }], ['release-DP1', { type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: ['dp1'] } }]);
    if (step === 6) interleaved.push(['release-DP1', { type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: [] } }], ['group-dp1', { type: 'GroupMemberAdded', data: { name: 'dp1', userId: 2, source: 'admin' } }], ['group-dp1', { type: 'GroupMemberRemoved', data: { name: 'dp1', userId: 1, source: 'admin' } }]);
    if (step === 7) interleaved.push(['release-DP1', { type: 'ReleaseAccessSet', data: { releaseName: 'DP1', groups: ['dp1'] } }]);
  }
  return [...head, ...interleaved];
}

async function snapshot(db: TestDatabase): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db.kysely)).rows;
    out[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();
  }
  return out;
}

for (const backend of testBackends()) {
  describe(`catalogue projection (${backend.name})`, () => {
    let log: TestDatabase;
    let store: EventStore;
    let last: LogPosition;
    beforeAll(async () => {
      log = await backend.open();
      store = await openPostgresEventStore(log);
      for (const [n, [stream, event]] of scenario().entries()) {
        expect(validateEvent(event)).toBeNull();
        const r = await store.append(stream, [{ id: randomUUID(), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, metadata: metadata(n) }], 'any');
        if (!r.ok) throw new Error(r.error.message);
        if (!last || comparePositions(r.value.position, last) > 0) last = r.value.position;
      }
    });
    afterAll(async () => {
      await store.close();
      await log.drop();
    });

    const project = async (batchSize: number) => {
      const fresh = await backend.open();
      try {
        const projector = createProjector(fresh, store, [catalogueProjection], { batchSize });
        await projector.start();
        expect(await projector.waitFor(last, 20_000)).toBe(true);
        await projector.stop();
        return await snapshot(fresh);
      } finally {
        await fresh.drop();
      }
    };

    it('gives the same rows however the log is cut into pages (one event at a time, 7, all at once)', async () => {
      const oneByOne = await project(1);
      expect(oneByOne.products).toHaveLength(24);
      expect(oneByOne.product_contents?.length).toBeGreaterThan(0);
      expect(oneByOne.product_shares?.some((s) => s.includes('"revoked":true'))).toBe(true);
      // Data rights: DP1 restricted to dp1 (again), whose members are bruno through both sources (ana's admin membership removed).
      expect(oneByOne.release_access).toEqual(['{"group_name":"dp1","release_name":"DP1"}']);
      expect(oneByOne.releases?.[0]).toContain('"is_public":false');
      expect((oneByOne.group_members ?? []).map((m) => JSON.parse(m) as { user_id: number; source: string }).map((m) => `${m.user_id}:${m.source}`).sort()).toEqual(['2:admin', '2:identity_provider']);
      expect(oneByOne.groups).toHaveLength(1);
      // Bruno's profile changed after his products were registered: they show and search his new name.
      const owned = (oneByOne.products ?? []).map((json) => JSON.parse(json) as { owner_id: number; owner_name: string; search_text: string }).filter((p) => p.owner_id === 2);
      expect(owned.length).toBeGreaterThan(0);
      for (const p of owned) {
        expect(p.owner_name).toBe('Bruno Moraes');
        expect(p.search_text.endsWith(' bruno bruno moraes')).toBe(true);
      }
      expect(await project(7)).toEqual(oneByOne);
      expect(await project(1000)).toEqual(oneByOne);
      const streamLengths = new Map<string, number>();
      for (const [stream] of scenario()) streamLengths.set(stream, (streamLengths.get(stream) ?? 0) + 1);
      const revisions = (oneByOne.products ?? []).map((json) => JSON.parse(json) as { id: number; last_revision: string | number });
      expect(revisions.map((p) => [p.id, Number(p.last_revision)])).toEqual(revisions.map((p) => [p.id, (streamLengths.get(`product-${p.id}`) ?? 0) - 1]));
    });

    it('keeps a product at its stream\'s revision after every event of the stream, whatever its type', async () => {
      const productId = 500;
      const life: PzEvent[] = [
        { type: 'ProductRegistered', data: { productId, internalName: '500_p', displayName: 'P', productTypeName: 'training_set', releaseName: null, officialProduct: false, pzCode: null, description: null, ownerId: 1, origin: 'Upload', processId: null, derivedFrom: [], initialStatus: 0 } },
        { type: 'ProductShared', data: { productId, shareId: 'share-500a', keyHash: 'a'.repeat(64), expiresAt: null } },
        { type: 'ProductFileAttached', data: { productId, fileId: 5000, role: 0, name: 'p.csv', mimeType: 'text/csv', extension: 'csv', size: 10, sha256: 'b'.repeat(64), crc32: 1, stored: true } },
        { type: 'ProductContentsRegistered', data: { productId, fileId: 5000, format: 'csv', nRows: 1, columns: [{ id: 50_000, name: 'ra', type: 'float64', order: 0, ucd: null, alias: null }], details: {} } },
        { type: 'ProductColumnAssociated', data: { productId, columnName: 'ra', ucd: 'pos.eq.ra;meta.main', alias: 'RA' } },
        { type: 'ProductShareRevoked', data: { productId, shareId: 'share-500a' } },
        { type: 'ProductMetadataEdited', data: { productId, changes: { description: 'd' } } },
        { type: 'ProductDerivationDeclared', data: { productId, derivedFrom: [1] } },
        { type: 'ProductReleaseYearSet', data: { productId, releaseYear: 2025 } },
        { type: 'ProductMarkedOfficial', data: { productId } },
        { type: 'ProductOfficialCleared', data: { productId } },
        { type: 'ProductPublished', data: { productId } },
        { type: 'ProductShared', data: { productId, shareId: 'share-500b', keyHash: 'c'.repeat(64), expiresAt: null } },
        { type: 'ProductRegistryFailed', data: { productId, fileId: 5000, code: 'UNREADABLE_TABLE', reason: 'no' } },
        { type: 'ProductProcessingFailed', data: { productId, reason: 'pipeline failed' } },
        { type: 'ProductFileRemoved', data: { productId, fileId: 5000 } },
        { type: 'ProductShareRevoked', data: { productId, shareId: 'share-500b' } },
        { type: 'ProductDeleted', data: { productId } },
      ];
      expect(new Set(life.map((e) => e.type))).toEqual(new Set(catalogueProjection.eventTypes.filter((t) => t.startsWith('Product') && !t.startsWith('ProductType'))));
      const fresh = await backend.open();
      const projector = createProjector(fresh, store, [catalogueProjection]);
      try {
        await projector.start();
        const seen: [string, number][] = [];
        for (const [n, event] of life.entries()) {
          const appended = await store.append(`product-${productId}`, [{ id: randomUUID(), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, metadata: metadata(1000 + n) }], 'any');
          if (!appended.ok) throw new Error(appended.error.message);
          expect(await projector.waitFor(appended.value.position, 20_000)).toBe(true);
          const row = (await sql<{ last_revision: string | number }>`SELECT last_revision FROM products WHERE id = ${productId}`.execute(fresh.kysely)).rows[0];
          seen.push([event.type, Number(row?.last_revision)]);
        }
        expect(seen).toEqual(life.map((e, n) => [e.type, n]));
      } finally {
        await projector.stop();
        await fresh.drop();
      }
    });

    it('records where each product last changed, and where the last change a product list could see happened', async () => {
      const productId = 600;
      const life: [PzEvent, boolean][] = [
        [{ type: 'ProductRegistered', data: { productId, internalName: '600_p', displayName: 'P', productTypeName: 'training_set', releaseName: null, officialProduct: false, pzCode: null, description: null, ownerId: 1, origin: 'Upload', processId: null, derivedFrom: [], initialStatus: 0 } }, true],
        [{ type: 'ProductFileAttached', data: { productId, fileId: 6000, role: 0, name: 'p.csv', mimeType: 'text/csv', extension: 'csv', size: 10, sha256: 'b'.repeat(64), crc32: 1, stored: true } }, false],
        [{ type: 'ProductContentsRegistered', data: { productId, fileId: 6000, format: 'csv', nRows: 1, columns: [{ id: 60_000, name: 'ra', type: 'float64', order: 0, ucd: null, alias: null }], details: {} } }, false],
        [{ type: 'ProductMetadataEdited', data: { productId, changes: { description: 'd', pzCode: 'bpz' } } }, false],
        [{ type: 'ProductMetadataEdited', data: { productId, changes: { displayName: 'Renamed' } } }, true],
        [{ type: 'ProductMetadataEdited', data: { productId, changes: { releaseName: 'DP1' } } }, true],
        [{ type: 'ProductShared', data: { productId, shareId: 'share-600', keyHash: 'd'.repeat(64), expiresAt: null } }, false],
        [{ type: 'ProductMarkedOfficial', data: { productId } }, true],
        [{ type: 'ProductPublished', data: { productId } }, true],
        [{ type: 'ProductDerivationDeclared', data: { productId, derivedFrom: [1] } }, false],
        [{ type: 'ProductProcessingFailed', data: { productId, reason: 'pipeline failed' } }, true],
        [{ type: 'ProductProcessingFailed', data: { productId, reason: 'again' } }, false],
        [{ type: 'ProductDeleted', data: { productId } }, true],
      ];
      const fresh = await backend.open();
      const projector = createProjector(fresh, store, [catalogueProjection]);
      try {
        await projector.start();
        expect(await projector.waitFor(last, 20_000)).toBe(true);
        const listingChange = async () => (await sql<{ c: string }>`SELECT commit_position::text || '/' || prepare_position::text AS c FROM catalogue_listing_changes`.execute(fresh.kysely)).rows[0]?.c;
        for (const [n, [event, seenByLists]] of life.entries()) {
          const before = await listingChange();
          const appended = await store.append(`product-${productId}`, [{ id: randomUUID(), type: event.type, schemaVersion: CURRENT_SCHEMA_VERSION[event.type], data: event.data, metadata: metadata(2000 + n) }], 'any');
          if (!appended.ok) throw new Error(appended.error.message);
          expect(await projector.waitFor(appended.value.position, 20_000)).toBe(true);
          const at = `${appended.value.position.commit}/${appended.value.position.prepare}`;
          const row = (await sql<{ c: string }>`SELECT changed_commit::text || '/' || changed_prepare::text AS c FROM products WHERE id = ${productId}`.execute(fresh.kysely)).rows[0];
          expect(row?.c, event.type).toBe(at);
          expect(await listingChange(), `${n}: ${event.type}`).toBe(seenByLists ? at : before);
        }
      } finally {
        await projector.stop();
        await fresh.drop();
      }
    });
  });
}

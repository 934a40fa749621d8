import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { newSecretKey } from '../services/api/src/auth/secrets';
import { startTestServer } from '../services/api/src/testing';
import { appRoutes } from './access/route-table';
import type { Reply } from './access/world';
import { NOT_ABOUT_PRODUCTS, OPTION_PATHS, READ_PATHS, isDocsRoute, type ReadPath } from './visibility/read-paths';
import { VIEWERS, buildRightsWorld, type Fixture, type RightsWorld, type ViewerName } from './visibility/world';

/** What decides the answers: whether the restricted release is restricted now, and whether the member is in its group. */
interface State {
  readonly restricted: boolean;
  readonly memberIn: boolean;
}

const SIGNED_IN = new Set<ViewerName>(['nonMember', 'member', 'owner', 'admin']);

/** The rule, written out for the test: whether `viewer` must see `f` (or its release) through a path of this kind. */
function mustSee(path: ReadPath, viewer: ViewerName, isRestrictedFixture: boolean, state: State): boolean {
  const restricted = isRestrictedFixture && state.restricted;
  const inGroup = viewer === 'member' && state.memberIn;
  switch (path.kind) {
    case 'byId':
    case 'list':
    case 'link':
      return SIGNED_IN.has(viewer) && (!restricted || inGroup || viewer === 'owner' || viewer === 'admin');
    case 'share':
      return viewer !== 'anonymous' && (!restricted || inGroup || viewer === 'owner' || viewer === 'admin');
    case 'release':
      return SIGNED_IN.has(viewer) && (!restricted || inGroup || viewer === 'admin');
  }
}

/** An id of the same length as `id` that names nothing (so that answers compare byte for byte, lengths included). */
async function absentLike(w: RightsWorld, id: number, url: (id: string) => string): Promise<string> {
  const digits = String(id).length;
  for (let d = 9; d >= 1; d--) {
    const candidate = String(d).repeat(digits);
    if (candidate === String(id)) continue;
    if ((await w.call({ method: 'GET', url: url(candidate), headers: w.headers('admin') })).status === 404) return candidate;
  }
  throw new Error(`no absent id of ${digits} digits`);
}

const normalise = (reply: Reply, id: string) => ({
  status: reply.status,
  length: reply.headers['content-length'],
  text: reply.text.split(id).join('<ID>'),
});

for (const backend of testBackends()) {
  describe(`visibility matrix (${backend.name})`, () => {
    let w: RightsWorld;
    /** Per fixture: the id each path names, and one of the same length naming nothing. */
    const ids = new Map<Fixture, Record<string, { real: string; absent: string }>>();

    beforeAll(async () => {
      w = await buildRightsWorld(await startTestServer(backend));
      for (const f of [w.products.restricted, w.products.open]) {
        ids.set(f, {
          product: { real: String(f.id), absent: await absentLike(w, f.id, (id) => `/api/products/${id}/`) },
          file: { real: String(f.file), absent: await absentLike(w, f.file, (id) => `/api/product-files/${id}/`) },
          column: { real: String(f.column), absent: await absentLike(w, f.column, (id) => `/api/product-contents/${id}/`) },
          release: { real: String(f.releaseId), absent: await absentLike(w, f.releaseId, (id) => `/api/releases/${id}/`) },
          shareKey: { real: f.shareKey, absent: newSecretKey().slice(0, f.shareKey.length).padEnd(f.shareKey.length, 'x') },
        });
      }
    }, 240_000);
    afterAll(async () => w?.server.stop());

    /** Every read path × viewer × fixture in this state; returns what is wrong. */
    const matrix = async (state: State): Promise<string[]> => {
      const failures: string[] = [];
      for (const path of READ_PATHS) {
        for (const [which, f] of [['restricted', w.products.restricted], ['open', w.products.open]] as const) {
          const named = path.names ? (ids.get(f)?.[path.names] ?? null) : null;
          for (const viewer of VIEWERS) {
            if (path.skip?.viewers.includes(viewer)) continue;
            const expected = mustSee(path, viewer, which === 'restricted', state);
            // Anonymous callers hold no share key: they try one that names nothing.
            const id = path.kind === 'share' && viewer === 'anonymous' ? (named?.absent ?? '') : (named?.real ?? '');
            const ask = (url: string) => w.call({ method: path.method, url, headers: w.headers(viewer), ...(path.method === 'POST' ? { payload: {} } : {}) });
            const reply = await ask(path.url(w, f, id, viewer));
            const where = `${path.label} of the ${which} product as ${viewer} (${state.restricted ? 'restricted' : 'public'}${state.memberIn ? '' : ', member out of the group'})`;
            let seen: boolean;
            if (path.shows) {
              seen = path.shows(reply, f);
            } else if (path.kind === 'link') {
              seen = reply.status === 200;
              const absent = ids.get(f)?.product?.absent ?? '';
              if (!expected && f.links[viewer]) {
                const missing = normalise(await w.call({ method: path.method, url: `/api/products/${absent}/`, headers: w.headers('nonMember') }), absent);
                const got = normalise(reply, String(f.id));
                if (got.status !== 404 || (path.method === 'GET' && got.text !== missing.text)) failures.push(`${where}: a link to a product the viewer may not see must answer as a missing product, got ${reply.status} ${reply.text.slice(0, 120)}`);
              }
            } else {
              if (!named) throw new Error(`${path.label}: names nothing`);
              const missing = normalise(await ask(path.url(w, f, named.absent, viewer)), named.absent);
              const got = normalise(reply, id);
              seen = got.status !== missing.status || got.text !== missing.text || got.length !== missing.length;
            }
            if (seen !== expected) failures.push(`${where}: ${expected ? 'must see it' : 'must not see it'}, got ${reply.status} ${reply.text.slice(0, 120)}`);
            if (!expected && which === 'restricted' && state.restricted) {
              const leaked = [f.name, f.internalName].filter((s) => reply.text.includes(s));
              if (leaked.length) failures.push(`${where}: the answer names ${leaked.join(', ')}`);
            }
          }
        }
      }
      for (const url of OPTION_PATHS) {
        for (const viewer of VIEWERS) {
          const reply = await w.call({ method: 'OPTIONS', url, headers: w.headers(viewer) });
          const leaked = [w.products.restricted.name, w.products.restricted.internalName, w.products.restricted.releaseName, 'olive'].filter((s) => reply.text.includes(s));
          if (leaked.length) failures.push(`OPTIONS ${url} as ${viewer}: names ${leaked.join(', ')}`);
        }
      }
      return failures;
    };

    it('shows a product in a restricted release only to its group\'s members, its owner and admins, on every read path, through public and restricted again', async () => {
      await w.restrict(true);
      expect(await matrix({ restricted: true, memberIn: true })).toEqual([]);
      await w.restrict(false);
      expect(await matrix({ restricted: false, memberIn: true })).toEqual([]);
      await w.restrict(true);
      expect(await matrix({ restricted: true, memberIn: true })).toEqual([]);
    }, 300_000);

    it('follows group membership at once: a member taken out sees what a non-member sees, and again all once back', async () => {
      await w.restrict(true);
      await w.setMembership(false);
      try {
        expect(await matrix({ restricted: true, memberIn: false })).toEqual([]);
      } finally {
        await w.setMembership(true);
      }
      expect(await matrix({ restricted: true, memberIn: true })).toEqual([]);
    }, 300_000);

    it('lists the restricted release\'s access for admins only', async () => {
      await w.restrict(true);
      const release = (viewer: ViewerName) => w.call({ method: 'GET', url: `/api/releases/${w.products.restricted.releaseId}/`, headers: w.headers(viewer) });
      expect((await release('admin')).body).toMatchObject({ is_public: false, groups: ['dp1-rights'] });
      const member = await release('member');
      expect(member.body.is_public).toBe(false);
      expect(member.body.groups).toBeUndefined();
      const listed = await w.call({ method: 'GET', url: '/api/releases/', headers: w.headers('admin') });
      expect(listed.body.results).toEqual(expect.arrayContaining([expect.objectContaining({ name: w.products.open.releaseName, is_public: true, groups: [] })]));
    });

    it('covers every read route the app serves: each is in the matrix (READ_PATHS) or named as showing nothing of products', () => {
      const served = appRoutes(w.server.app);
      const covered = new Set(READ_PATHS.flatMap((p) => p.routes));
      const reads = served.filter((key) => /^(GET|HEAD) /.test(key) && !isDocsRoute(key));
      const uncovered = reads.filter((key) => !covered.has(key) && !(key in NOT_ABOUT_PRODUCTS));
      const stale = [...covered, ...Object.keys(NOT_ABOUT_PRODUCTS)].filter((key) => !served.includes(key as (typeof served)[number]));
      expect({ uncovered, stale }).toEqual({ uncovered: [], stale: [] });
      // OPTIONS answers are checked for every viewer in the matrix; each one served is listed there.
      const options = served.filter((key) => key.startsWith('OPTIONS ')).map((key) => `${key.slice('OPTIONS '.length)}/`);
      expect(options.filter((path) => !(OPTION_PATHS as readonly string[]).includes(path))).toEqual([]);
    });
  });
}

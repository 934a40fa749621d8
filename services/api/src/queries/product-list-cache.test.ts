import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

type Listing = { count: number; results: { id: number; display_name: string; description: string | null; is_owner: boolean; can_update: boolean }[] };

for (const backend of testBackends()) {
  describe(`product list cache (${backend.name})`, () => {
    let server: TestServer;
    let alice: { auth: string };
    let bob: { auth: string };

    const list = async (url: string, auth: string, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({ method: 'GET', url, headers: { authorization: auth, ...headers } });
      expect(response.statusCode).toBe(200);
      return { cache: response.headers['x-catalogue-cache'], body: response.body, response, listing: JSON.parse(response.body) as Listing };
    };
    const create = async (auth: string, display_name: string) => {
      const response = await server.app.inject({ method: 'POST', url: '/api/products/', headers: { authorization: auth }, payload: { display_name, product_type: 'other' } });
      expect(response.statusCode).toBe(201);
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      alice = await server.createUser('alice');
      bob = await server.createUser('bob');
      await create(alice.auth, 'cachetest one');
      await create(alice.auth, 'cachetest two');
    });
    afterAll(async () => server.stop());

    it('answers a repeated list from the cache until something lists choose by changes (here a new product)', async () => {
      const url = '/api/products/?search=cachetest&ordering=display_name';
      const first = await list(url, bob.auth);
      expect(first.cache).toBe('miss');
      expect(first.listing.count).toBe(2);
      const again = await list('/api/products/?ordering=display_name&search=cachetest', bob.auth);
      expect(again.cache).toBe('hit');
      expect(again.body).toBe(first.body);
      expect((await list(url, bob.auth, { 'cache-control': 'no-cache' })).cache).toBe('bypass');

      await create(alice.auth, 'cachetest three');
      const after = await list(url, bob.auth);
      expect(after.cache).toBe('miss');
      expect(after.listing.results.map((p) => p.display_name)).toEqual(['cachetest one', 'cachetest three', 'cachetest two']);
    });

    it('gives each caller their own is_owner and can_update from a kept listing', async () => {
      const url = '/api/products/?search=cachetest&ordering=display_name&page_size=2';
      const asBob = await list(url, bob.auth);
      const asAlice = await list(url, alice.auth);
      expect(asAlice.cache).toBe('hit');
      expect(asBob.listing.results.map((p) => [p.is_owner, p.can_update])).toEqual([[false, false], [false, false]]);
      expect(asAlice.listing.results.map((p) => [p.is_owner, p.can_update])).toEqual([[true, true], [true, true]]);
      expect(asAlice.listing.count).toBe(3);
      const secondPage = await list('/api/products/?search=cachetest&ordering=display_name&page_size=2&page=2', bob.auth);
      expect(secondPage.cache).toBe('miss');
      expect(secondPage.listing.results.map((p) => p.display_name)).toEqual(['cachetest two']);
    });

    it('keeps one body per viewpoint: the same bytes for the same caller, each owner and admin their own flags', async () => {
      const admin = await server.createUser('root', { admin: true });
      const url = '/api/products/?search=cachetest&ordering=-display_name';
      const asAlice = await list(url, alice.auth);
      const asAdmin = await list(url, admin.auth);
      const asBob = await list(url, bob.auth);
      const asAliceAgain = await list(url, alice.auth);
      expect([asAdmin.cache, asBob.cache, asAliceAgain.cache]).toEqual(['hit', 'hit', 'hit']);
      expect(asAliceAgain.body).toBe(asAlice.body);
      expect(asAlice.listing.results.every((p) => p.is_owner && p.can_update)).toBe(true);
      expect(asAdmin.listing.results.every((p) => !p.is_owner && p.can_update)).toBe(true);
      expect(asBob.listing.results.every((p) => !p.is_owner && !p.can_update)).toBe(true);
      expect(asBob.response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(asBob.response.headers['content-length'])).toBe(Buffer.byteLength(asBob.body));
    });

    it('outlives changes that cannot change it, bringing the rows it shows up to date', async () => {
      const url = '/api/products/?search=cachetest&ordering=display_name&page_size=2';
      const idOf = async (name: string) => (await list(`/api/products/?display_name=${encodeURIComponent(name)}`, alice.auth, { 'cache-control': 'no-cache' })).listing.results[0]?.id;
      const shown = await list(url, bob.auth);
      const [first] = shown.listing.results;
      const unshown = await idOf('cachetest two');
      expect(first?.display_name).toBe('cachetest one');
      expect(shown.listing.results.some((p) => p.id === unshown)).toBe(false);
      const edit = async (id: number | undefined, payload: Record<string, string>) => {
        const response = await server.app.inject({ method: 'PATCH', url: `/api/products/${id}/`, headers: { authorization: alice.auth }, payload });
        expect(response.statusCode).toBe(200);
      };
      expect((await list(url, bob.auth)).cache).toBe('hit');
      // A product the page does not show gets a new description: nothing a list chooses by changed.
      await edit(unshown, { description: 'only the words changed' });
      const afterUnshown = await list(url, bob.auth);
      expect(afterUnshown.cache).toBe('hit');
      expect(afterUnshown.body).toBe(shown.body);
      // A product the page shows: the kept listing gets that product's new row, nothing else changes.
      await edit(first?.id, { description: 'a new description' });
      const afterShown = await list(url, bob.auth);
      expect(afterShown.cache).toBe('hit');
      expect(afterShown.listing.results[0]?.description).toBe('a new description');
      expect(afterShown.body).not.toBe(shown.body);
      expect(afterShown.body).toBe((await list(url, bob.auth, { 'cache-control': 'no-cache' })).body);
      // A rename of a product the page does not show may change any list (here its order and count).
      await edit(unshown, { display_name: 'cachetest aaa' });
      const afterRename = await list(url, bob.auth);
      expect(afterRename.cache).toBe('miss');
      expect(afterRename.listing.results.map((p) => p.display_name)).toEqual(['cachetest aaa', 'cachetest one']);
      // The same answers as a read that bypasses the cache.
      expect(afterRename.body).toBe((await list(url, bob.auth, { 'cache-control': 'no-cache' })).body);
    });

    it('keeps empty answers too: no match, and a page past the last match', async () => {
      for (const url of ['/api/products/?search=nothing-matches-this', '/api/products/?search=cachetest&page=5&page_size=2']) {
        const first = await list(url, bob.auth);
        expect(first.listing.results).toEqual([]);
        const again = await list(url, bob.auth);
        expect(again.cache, url).toBe('hit');
        expect(again.body).toBe(first.body);
      }
      expect((await list('/api/products/?search=cachetest&page=5&page_size=2', bob.auth)).listing.count).toBe(3);
    });
  });
}

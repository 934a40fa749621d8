import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';
import { usernameTwin } from './username-twin';

for (const backend of testBackends()) {
  describe(`look-alike usernames (${backend.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    }, 180_000);
    afterAll(async () => server.stop());

    it('lets one of two look-alikes asked for at the same moment through, before either is in the catalogue (two processes, projection lag)', async () => {
      for (const name of ['Zoe', 'Quinn', 'Ravi']) {
        const twins = await Promise.all([usernameTwin(server.deps.catalogue, name), usernameTwin(server.deps.catalogue, name.toLowerCase())]);
        // Exactly one is free (null); the other is told the name the first claimed.
        expect(twins.filter((t) => t === null), name).toHaveLength(1);
        expect(twins.find((t) => t !== null)?.toLowerCase(), name).toBe(name.toLowerCase());
        // Asking again for a claimed name is free for the same spelling, refused for another.
        const winner = twins[0] === null ? name : name.toLowerCase();
        expect(await usernameTwin(server.deps.catalogue, winner)).toBeNull();
        expect(await usernameTwin(server.deps.catalogue, name.toUpperCase())).toBe(winner);
      }
    });

    it('reads registered users from the catalogue', async () => {
      await server.createUser('Walter');
      expect(await usernameTwin(server.deps.catalogue, 'walter')).toBe('Walter');
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';

for (const backend of testBackends()) {
  describe(`API token lookups (${backend.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => server.stop());

    const root = async (auth: string) => (await server.app.inject({ method: 'GET', url: '/api/', headers: { authorization: auth } })).statusCode;

    it('answers a token from memory while the catalogue stands still, and reads again once it moves', async () => {
      const carol = await server.createUser('carol');
      expect(await root(carol.auth)).toBe(200);
      // Behind the projector's back: a kept answer does not read the table.
      await server.deps.catalogue.deleteFrom('api_tokens').where('user_id', '=', carol.userId).execute();
      expect(await root(carol.auth)).toBe(200);
      // Any catalogue change (here another user signing up) moves the projector: the table is read again.
      await server.createUser('dave');
      expect(await root(carol.auth)).toBe(401);
    });

    it('refuses a replaced token on the very next request', async () => {
      const erin = await server.createUser('erin');
      expect(await root(erin.auth)).toBe(200);
      expect(await root(erin.auth)).toBe(200);
      const replaced = await server.app.inject({ method: 'POST', url: '/api/get_token/', headers: { authorization: erin.auth } });
      expect(replaced.statusCode).toBe(200);
      const { token } = replaced.json<{ token: string }>();
      expect(await root(erin.auth)).toBe(401);
      expect(await root(`Token ${token}`)).toBe(200);
    });

  });
}

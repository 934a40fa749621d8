import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { START } from '@pz/contracts';
import { loadConfig } from '@pz/config';
import { testBackends } from '@pz/database/testing';
import { startTestServer, type TestServer } from '../testing';
import { bootstrapAdmin, bootstrapMessage } from './bootstrap-admin';

describe('PZ_BOOTSTRAP_ADMIN configuration', () => {
  it('is off by default, and names the admin and an optional password', () => {
    expect(loadConfig({}).bootstrapAdmin).toBeNull();
    expect(loadConfig({ PZ_BOOTSTRAP_ADMIN: ' alice ' }).bootstrapAdmin).toEqual({ username: 'alice', password: null });
    expect(loadConfig({ PZ_BOOTSTRAP_ADMIN: 'alice', PZ_BOOTSTRAP_ADMIN_PASSWORD: 'a long passphrase' }).bootstrapAdmin).toEqual({ username: 'alice', password: 'a long passphrase' });
  });
});

for (const backend of testBackends()) {
  describe(`bootstrapAdmin (${backend.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => server.stop());

    it('creates an admin with a working token, recorded as events like any account; a second call creates nothing', async () => {
      const first = await bootstrapAdmin(server.deps, 'founder', null);
      if (!first.created) throw new Error('not created');
      expect(first.token).toMatch(/^[0-9a-f]{40}$/);
      expect(first.passwordGenerated).toBe(true);
      expect(bootstrapMessage(first)).toContain(`API token: ${first.token}`);
      const events = (await server.deps.store.readAll({ after: START, limit: 1000 })).events.filter((e) => e.streamName === 'user-founder');
      expect(events.map((e) => e.type)).toEqual(['UserRegistered', 'ApiTokenIssued']);
      expect(events[0]?.data).toMatchObject({ username: 'founder', isAdmin: true });
      expect(JSON.stringify(events.map((e) => [e.data, e.metadata]))).not.toContain(first.token);
      const me = await server.app.inject({ method: 'POST', url: '/api/logged_user/', headers: { authorization: `Token ${first.token}` } });
      expect(JSON.parse(me.body)).toMatchObject({ username: 'founder', is_admin: true });

      const again = await bootstrapAdmin(server.deps, 'founder', null);
      expect(again).toEqual({ created: false, username: 'founder' });
      expect(bootstrapMessage(again)).toMatch(/already exists; nothing created/);
      const after = (await server.deps.store.readAll({ after: START, limit: 1000 })).events.filter((e) => e.streamName === 'user-founder');
      expect(after).toHaveLength(2);
    });

    it('takes the password it is given, and refuses a name the domain refuses', async () => {
      const made = await bootstrapAdmin(server.deps, 'chosen', 'a long passphrase');
      expect(made).toMatchObject({ created: true, password: 'a long passphrase', passwordGenerated: false });
      expect(bootstrapMessage(made)).not.toContain('a long passphrase');
      await expect(bootstrapAdmin(server.deps, 'x', null)).rejects.toThrow(/PZ_BOOTSTRAP_ADMIN: username/);
    });
  });
}

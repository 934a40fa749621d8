import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@pz/database';
import { testBackends, type TestDatabase } from '@pz/database/testing';
import { isProblem } from '../http/pagination';
import { openUploadSlots, type UploadSlot, type UploadSlots } from './upload-slots';

const slotOf = (s: UploadSlot | { code: string }): UploadSlot => {
  if ('code' in s) throw new Error(`refused: ${s.code}`);
  return s;
};

for (const backend of testBackends()) {
  describe(`upload slots shared through the database (${backend.name})`, () => {
    let database: TestDatabase;
    let second: Database;
    const opened: UploadSlots[] = [];
    beforeEach(async () => {
      database = await backend.open();
      // A second process: its own connections to the same schema (PGlite: the same handle, one process).
      second = backend.name === 'postgres' ? await openDatabase({ url: process.env.DATABASE_URL, schema: database.schema }) : database;
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) s.close();
      if (second !== database) await second.close();
      await database.drop();
    });
    const open = async (db: Database, limit: number, leaseMs?: number) => {
      const slots = await openUploadSlots(db, limit, leaseMs ? { leaseMs } : {});
      opened.push(slots);
      return slots;
    };

    it('counts one user’s uploads across processes, frees a slot on release, and keeps users apart', async () => {
      const a = await open(database, 2);
      const b = await open(second, 2);
      const first = slotOf(await a.acquire(1));
      slotOf(await b.acquire(1));
      const refused = await b.acquire(1);
      expect(isProblem(refused) && refused.code).toBe('TOO_MANY_UPLOADS');
      expect(isProblem(await a.acquire(1))).toBe(true);
      slotOf(await a.acquire(2));
      await first.release();
      await first.release();
      slotOf(await b.acquire(1));
      expect(isProblem(await a.acquire(1))).toBe(true);
    });

    it('never grants more than the limit to concurrent requests from several processes', async () => {
      const a = await open(database, 3);
      const b = await open(second, 3);
      const results = await Promise.all([...Array(12).keys()].map((i) => (i % 2 ? a : b).acquire(7)));
      expect(results.filter((r) => !isProblem(r))).toHaveLength(3);
    });

    it('frees the slots of a process that died (stopped renewing) once their lease ends, not before', async () => {
      const dead = await open(database, 1, 400);
      slotOf(await dead.acquire(5));
      dead.close();
      const live = await open(second, 1, 400);
      expect(isProblem(await live.acquire(5))).toBe(true);
      await new Promise((r) => setTimeout(r, 600));
      slotOf(await live.acquire(5));
    });

    it('keeps a slot held past its lease while its process lives (renewed)', async () => {
      const a = await open(database, 1, 300);
      slotOf(await a.acquire(9));
      await new Promise((r) => setTimeout(r, 700));
      const b = await open(second, 1, 300);
      expect(isProblem(await b.acquire(9))).toBe(true);
    });
  });
}

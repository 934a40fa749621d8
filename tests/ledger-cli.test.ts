import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase } from '@pz/database';
import { existingLedgerSigningKey, openPostgresEventStore } from '@pz/ledger';
import { testEvent } from '@pz/ledger/event-store-contract';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

async function ledger(dataDir: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'services/ledger/src/cli.ts', ...args], { cwd: root, env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', EVENTSTORE_URL: '' } });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '' };
  }
}

/** The `ledger verify` command, end to end on the embedded database folder. */
describe('npm run ledger -- verify', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-ledger-cli-'));
    const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pg') });
    const store = await openPostgresEventStore(database);
    await store.append('product-7', [1, 2, 3].map((n) => testEvent('ProductEdited', { v: n }, n)), 'no_stream');
    await store.close();
    await database.close();
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('passes an untouched ledger, then names the edited event and exits 1', async () => {
    const clean = await ledger(dataDir, 'verify');
    expect(clean.out).toContain('OK: 1 streams, 3 events verified');
    expect(clean.code).toBe(0);

    const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pg') });
    await sql`UPDATE events SET data = '{"v":99,"n":2}'::jsonb WHERE stream_revision = 1`.execute(database.kysely);
    await database.close();

    const tampered = await ledger(dataDir, 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('BROKEN product-7 at revision 1');
    expect(tampered.out).toContain('TAMPERED');
  }, 180_000);
});

/** `ledger checkpoint` signs the stream heads; `verify` then catches a stream's last event removed, which the chain alone cannot. */
describe('npm run ledger -- checkpoint, then verify', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pz-ledger-cli-'));
    const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pg') });
    const store = await openPostgresEventStore(database);
    await store.append('product-8', [1, 2, 3].map((n) => testEvent('ProductEdited', { v: n }, n)), 'no_stream');
    await store.close();
    await database.close();
  }, 120_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('signs a checkpoint, passes the untouched log, and names the truncated stream (also against a saved checkpoint and public key)', async () => {
    const signed = await ledger(dataDir, 'checkpoint');
    expect(signed.code).toBe(0);
    const checkpoint = JSON.parse(signed.out) as { streams: number; position: string; key_id: string };
    expect(checkpoint).toMatchObject({ format: 'pz-ledger-checkpoint/1', streams: 1 });
    const key = existingLedgerSigningKey(dataDir, null);
    expect(key?.publicKey.keyId).toBe(checkpoint.key_id);
    const saved = path.join(dataDir, 'saved-checkpoint.json');
    writeFileSync(saved, signed.out);
    const publicKeyFile = path.join(dataDir, 'public.pem');
    writeFileSync(publicKeyFile, key?.publicKey.pem ?? '');

    const clean = await ledger(dataDir, 'verify');
    expect(clean.out).toMatch(/CONSISTENT with checkpoint \(database\)/);
    expect(clean.code).toBe(0);

    const database = await openDatabase({ pgliteDir: path.join(dataDir, 'pg') });
    await sql`DELETE FROM events WHERE stream_revision = 2`.execute(database.kysely);
    await sql`DELETE FROM ledger_checkpoints`.execute(database.kysely);
    await database.close();
    // The attacker also removes the copy in the data folder: the saved checkpoint still tells.
    rmSync(path.join(dataDir, 'ledger-checkpoint.json'));
    expect(readFileSync(saved, 'utf8')).toContain(checkpoint.position);

    const tampered = await ledger(dataDir, 'verify', '--checkpoint', saved, '--public-key', publicKeyFile);
    expect(tampered.out).toContain('CHECKPOINT root_mismatch');
    expect(tampered.out).toContain('NOT CONSISTENT with checkpoint (given)');
    expect(tampered.out).toContain('TAMPERED');
    expect(tampered.code).toBe(1);
  }, 180_000);
});

import { randomBytes, sign, verify } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIGNING_KEY_FILE, existingLedgerSigningKey, ledgerSigningKey, publicKeyFromPem, signingKeyFromSeed } from './signing-key';

describe('the ledger signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pz-ledger-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once in the data folder (mode 0600, no temporary left behind) and the same key is read back', () => {
    expect(existingLedgerSigningKey(dir, null)).toBeNull();
    const first = ledgerSigningKey(dir, null);
    const again = ledgerSigningKey(dir, null);
    expect(again.publicKey.keyId).toBe(first.publicKey.keyId);
    expect(first.publicKey.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir)).toEqual([SIGNING_KEY_FILE]);
    expect(statSync(path.join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    const signature = sign(null, Buffer.from('note'), first.privateKey);
    expect(verify(null, Buffer.from('note'), publicKeyFromPem(first.publicKey.pem).key, signature)).toBe(true);
    expect(Buffer.from(first.publicKey.raw, 'base64')).toHaveLength(32);
  });

  it('comes from LEDGER_SIGNING_KEY (a 32-byte seed, base64 or hex) when set, and refuses anything else', () => {
    const seed = randomBytes(32);
    const fromBase64 = signingKeyFromSeed(seed.toString('base64'));
    expect(signingKeyFromSeed(seed.toString('hex')).publicKey.keyId).toBe(fromBase64.publicKey.keyId);
    expect(ledgerSigningKey(dir, seed.toString('base64')).publicKey.keyId).toBe(fromBase64.publicKey.keyId);
    expect(readdirSync(dir)).toEqual([]);
    for (const bad of ['short', randomBytes(31).toString('base64'), `${seed.toString('hex')}00`]) {
      expect(() => signingKeyFromSeed(bad)).toThrow(/LEDGER_SIGNING_KEY/);
    }
  });

  it('stops on a key file that holds something else, naming it', () => {
    writeFileSync(path.join(dir, SIGNING_KEY_FILE), 'not a key');
    expect(() => ledgerSigningKey(dir, null)).toThrow(SIGNING_KEY_FILE);
  });
});

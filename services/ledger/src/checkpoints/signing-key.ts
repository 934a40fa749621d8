import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createFileOnce } from '@pz/config/key-files';
import path from 'node:path';

export const SIGNING_KEY_FILE = 'ledger-signing-key.pem';
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The key checkpoints are checked with, as published at `/api/ledger/public-key/`. */
export interface LedgerPublicKey {
  readonly key: KeyObject;
  /** sha256 (hex) of the DER SubjectPublicKeyInfo, as Certificate Transparency names log keys. */
  readonly keyId: string;
  readonly pem: string;
  /** The raw 32-byte key, base64. */
  readonly raw: string;
}

export interface LedgerSigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: LedgerPublicKey;
}

export function publicKeyOf(key: KeyObject): LedgerPublicKey {
  const spki = key.export({ type: 'spki', format: 'der' });
  if (key.asymmetricKeyType !== 'ed25519' || !spki.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX)) {
    throw new Error('a ledger key must be an Ed25519 key');
  }
  return {
    key,
    keyId: createHash('sha256').update(spki).digest('hex'),
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    raw: spki.subarray(SPKI_ED25519_PREFIX.length).toString('base64'),
  };
}

/** A public key given as PEM (what `/api/ledger/public-key/` serves, or `openssl pkey -pubout` writes). */
export function publicKeyFromPem(pem: string): LedgerPublicKey {
  return publicKeyOf(createPublicKey(pem));
}

function signingKeyOf(privateKey: KeyObject): LedgerSigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('a ledger signing key must be an Ed25519 key');
  return { privateKey, publicKey: publicKeyOf(createPublicKey(privateKey)) };
}

/** LEDGER_SIGNING_KEY: the 32-byte Ed25519 seed in base64 or hex (`openssl rand -base64 32`). */
export function signingKeyFromSeed(text: string): LedgerSigningKey {
  const trimmed = text.trim();
  const seed = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (seed.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && seed.toString('base64').replace(/=+$/, '') !== trimmed.replace(/=+$/, ''))) {
    throw new Error('LEDGER_SIGNING_KEY must be a 32-byte Ed25519 seed in base64 (44 characters) or hex (64 characters)');
  }
  return signingKeyOf(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' }));
}

/**
 * The key that signs checkpoints: LEDGER_SIGNING_KEY when set, else the one kept in
 * `<dataDir>/ledger-signing-key.pem` (PKCS#8 PEM, mode 0600), made on first use. Like the
 * server's HMAC secret (auth/persistent-secret.ts) the file appears whole or not at all: written
 * to a temporary name, fsynced, then linked into place, so two processes starting together agree
 * on the first one linked. A file holding anything but an Ed25519 key stops the start.
 */
export function ledgerSigningKey(dataDir: string, seed: string | null): LedgerSigningKey {
  const existing = existingLedgerSigningKey(dataDir, seed);
  if (existing) return existing;
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  // Another process may link its key first: that one is the key.
  createFileOnce(dataDir, SIGNING_KEY_FILE, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const created = existingLedgerSigningKey(dataDir, null);
  if (!created) throw new Error(`${file} vanished while it was being created`);
  return created;
}

/** The signing key if there is one (the CLI's `verify` never makes one), else null. */
export function existingLedgerSigningKey(dataDir: string, seed: string | null): LedgerSigningKey | null {
  if (seed !== null) return signingKeyFromSeed(seed);
  const file = path.join(dataDir, SIGNING_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return signingKeyOf(createPrivateKey(text));
  } catch {
    throw new Error(`${file} does not hold an Ed25519 private key (PKCS#8 PEM). Restore it from a backup, or remove it to have a new one made (checkpoints signed with the old one can then only be checked with its published public key), or set LEDGER_SIGNING_KEY.`);
  }
}

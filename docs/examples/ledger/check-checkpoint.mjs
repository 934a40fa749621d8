// node check-checkpoint.mjs key.json checkpoint.json [pinned key id]
/* global console */
import { Buffer } from 'node:buffer';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import process from 'node:process';

const [keyFile, checkpointFile, pinned] = process.argv.slice(2);
const key = JSON.parse(readFileSync(keyFile, 'utf8'));
const cp = JSON.parse(readFileSync(checkpointFile, 'utf8'));

const publicKey = createPublicKey(key.public_key_pem);
const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
if (keyId !== key.key_id || keyId !== cp.key_id) throw new Error('the checkpoint names another key');
if (pinned && pinned !== keyId) throw new Error(`not the key id you pinned (${pinned})`);

// Rebuild the signed text from the fields: what you check is what you read.
const note = ['pz-ledger-checkpoint/1', `position ${cp.position}`, `streams ${cp.streams}`, `root ${cp.root}`, `time ${cp.time}`, `key ${cp.key_id}`, ''].join('\n');
const ok = verify(null, Buffer.from(note), publicKey, Buffer.from(cp.signature, 'base64'));
console.log(ok ? `signature OK: ${cp.streams} streams at ${cp.position}, root ${cp.root}` : 'BAD SIGNATURE');
process.exit(ok ? 0 : 1);

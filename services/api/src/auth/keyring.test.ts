import { describe, expect, it } from 'vitest';
import { checkDownloadToken, issueDownloadToken } from '../downloads/download-tokens';
import { keyIdOf, readWithKeyring, signWithKeyring, singleKeyring, type Keyring } from './keyring';
import { signValue } from './secrets';

const oldKey = { id: 'k2025', key: 'o'.repeat(64) };
const newKey = { id: 'k2026', key: 'n'.repeat(64) };
const before: Keyring = { current: oldKey, older: [] };
/** A planned rotation: the new key signs, the old one still opens sessions. */
const after: Keyring = { current: newKey, older: [oldKey] };
const session = { uid: 7, sid: 'abc', exp: Date.now() + 3_600_000 };

describe('signing keys with ids (rotation)', () => {
  it('names the signing key in every value and checks the MAC over id and payload', () => {
    const value = signWithKeyring(before, session);
    expect(value.split('.')[0]).toBe('k2025');
    expect(readWithKeyring(before, value, { acceptOlder: false })).toMatchObject({ uid: 7 });
    // Another id on the same payload and MAC does not verify.
    expect(readWithKeyring({ current: { id: 'kX', key: oldKey.key }, older: [] }, value.replace('k2025', 'kX'), { acceptOlder: true })).toBeNull();
    expect(keyIdOf('secret')).toBe(keyIdOf('secret'));
    expect(singleKeyring('secret').current.id).toMatch(/^k[0-9a-f]{8}$/);
  });

  it('keeps sessions signed by an older key open after a planned rotation, and kills older download links', () => {
    const cookie = signWithKeyring(before, session);
    expect(readWithKeyring(after, cookie, { acceptOlder: true })).toMatchObject({ uid: 7 });
    const link = issueDownloadToken(before, { productId: 1, kind: 'main', content: 'c' });
    expect(checkDownloadToken(before, link.token, 1, 'main').ok).toBe(true);
    expect(checkDownloadToken(after, link.token, 1, 'main')).toMatchObject({ ok: false, reason: 'Invalid download token.' });
    expect(checkDownloadToken(after, issueDownloadToken(after, { productId: 1, kind: 'main', content: 'c' }).token, 1, 'main').ok).toBe(true);
    // A key dropped from the ring (an unplanned rotation: the key leaked) opens nothing.
    expect(readWithKeyring({ current: newKey, older: [] }, cookie, { acceptOlder: true })).toBeNull();
  });

  it('reads sessions signed before key ids existed with any key of the ring, but never as download links', () => {
    const legacy = signValue(oldKey.key, session);
    expect(readWithKeyring(after, legacy, { acceptOlder: true })).toMatchObject({ uid: 7 });
    expect(readWithKeyring(after, legacy, { acceptOlder: false })).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { singleKeyring } from '../keyring';
import { openLoginState, sameOriginPath, sealLoginState } from './login-state';

const keyring = singleKeyring('k'.repeat(64));
const login = { state: 's', nonce: 'n', codeVerifier: 'v', next: '/me/token' };

describe('login state cookie', () => {
  it('reads back what it sealed, for ten minutes, under the same key only', () => {
    const cookie = sealLoginState(keyring, login, 1_000);
    expect(openLoginState(keyring, cookie, 2_000)).toEqual(login);
    expect(openLoginState(keyring, cookie, 1_000 + 10 * 60_000 + 1)).toBeNull();
    expect(openLoginState(singleKeyring('o'.repeat(64)), cookie, 2_000)).toBeNull();
    const [id, , mac] = cookie.split('.');
    const forged = Buffer.from(JSON.stringify({ st: 's', n: 'attacker', v: 'v', next: '/', exp: 9e15 })).toString('base64url');
    expect(openLoginState(keyring, `${id}.${forged}.${mac}`, 2_000)).toBeNull();
  });
});

describe('the next page after a login', () => {
  const ours = 'https://pz.example.org';
  it('is a path on this site', () => {
    expect(sameOriginPath('/me/token?x=1#a', ours)).toBe('/me/token?x=1#a');
    expect(sameOriginPath(undefined, ours)).toBe('/');
  });
  it('is never another site', () => {
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '/\t/evil.example', 'evil.example', '/%0a/x'.replace('%0a', '\n')]) {
      expect(sameOriginPath(next, ours), next).toBe('/');
    }
  });
});

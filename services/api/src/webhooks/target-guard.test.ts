import { describe, expect, it } from 'vitest';
import { checkTarget, isForbiddenAddress, parseAllowList } from './target-guard';

describe('webhook target guard', () => {
  it('refuses loopback, private, link-local, metadata and reserved addresses, IPv4-mapped ones too', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '224.0.0.1']) {
      expect(isForbiddenAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isForbiddenAddress(a), a).toBe(false);
  });

  it('checks what a name resolves to, and lets the allow-list name an address, a range or a host', async () => {
    const none = parseAllowList('');
    expect(await checkTarget('http://localhost:8080/hook', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://127.0.0.1:8080/hook', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://[::1]:8080/hook', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://169.254.169.254/latest/meta-data/', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://2130706433/', none)).toMatchObject({ ok: false });
    expect(await checkTarget('file:///etc/passwd', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://user:pw@8.8.8.8/', none)).toMatchObject({ ok: false });
    expect(await checkTarget('http://8.8.8.8/hook', none)).toMatchObject({ ok: true, address: '8.8.8.8' });
    expect(await checkTarget('http://127.0.0.1:8080/hook', parseAllowList('127.0.0.1'))).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(await checkTarget('http://10.0.0.7/hook', parseAllowList('10.0.0.0/24'))).toMatchObject({ ok: true });
    expect(await checkTarget('http://localhost:9/hook', parseAllowList('localhost'))).toMatchObject({ ok: true });
    expect(await checkTarget('http://10.0.1.7/hook', parseAllowList('10.0.0.0/24'))).toMatchObject({ ok: false });
  });
});

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Server-side request forgery defence: a webhook may only reach public addresses. Loopback,
 * private, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254 included), carrier-grade
 * NAT, unspecified, multicast and reserved ranges are refused unless the admins' allow-list
 * (`WEBHOOK_ALLOW_LIST`: addresses, CIDR ranges or host names) names them. The check is made on
 * the addresses the name resolves to, and the delivery connects to the address checked (no
 * second lookup an attacker's DNS could answer differently), without following redirects.
 */
const FORBIDDEN = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) FORBIDDEN.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['100::', 64]] as const) FORBIDDEN.addSubnet(net, bits, 'ipv6');

export interface AllowList {
  readonly hosts: ReadonlySet<string>;
  readonly addresses: BlockList;
}

export function parseAllowList(text: string | null | undefined): AllowList {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits] = item.split('/');
    const family = isIP(address ?? '');
    if (family && bits !== undefined) addresses.addSubnet(address as string, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
    else if (family) addresses.addAddress(address as string, family === 6 ? 'ipv6' : 'ipv4');
    else hosts.add(item.toLowerCase());
  }
  return { hosts, addresses };
}

/** Whether an address is one a webhook may not reach by default. IPv4-mapped IPv6 is judged as the IPv4 it carries. */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return FORBIDDEN.check(mapped, 'ipv4');
  const family = isIP(address);
  if (!family) return true;
  return FORBIDDEN.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

const allowed = (allow: AllowList, host: string, address: string): boolean =>
  allow.hosts.has(host.toLowerCase()) || allow.addresses.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

export type TargetCheck = { readonly ok: true; readonly url: URL; readonly address: string; readonly family: 4 | 6 } | { readonly ok: false; readonly reason: string };

/** Parses and resolves a webhook URL; refuses what it may not reach. */
export async function checkTarget(text: string, allow: AllowList): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'only http and https URLs are accepted' };
  if (url.username || url.password) return { ok: false, reason: 'credentials in the URL are not accepted' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch {
    return { ok: false, reason: `${host} does not resolve` };
  }
  const refused = addresses.find((a) => isForbiddenAddress(a.address) && !allowed(allow, host, a.address));
  if (refused) return { ok: false, reason: `${host} resolves to ${refused.address}, a loopback, private, link-local or reserved address that webhooks may not reach (an admin may allow it in WEBHOOK_ALLOW_LIST)` };
  const first = addresses[0];
  if (!first) return { ok: false, reason: `${host} does not resolve` };
  return { ok: true, url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

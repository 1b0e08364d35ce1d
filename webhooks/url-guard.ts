/**
 * SSRF guard for webhook URLs. In production a URL must be https and every address its host resolves to must
 * be public; loopback, private, link-local, CGNAT, multicast, documentation and IPv4-mapped/NAT64 forms of those
 * are refused with `webhook_url_forbidden`. Checked when an endpoint is saved and again before every delivery,
 * and the delivery connects to the address that was checked (no second DNS answer in between).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BaseError } from '../errors/base.js';
import { ErrorId } from '../errors/codes.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 forms are judged by the IPv4 address they carry.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]!);
    return !blocked.check(address, 'ipv6');
  }
  return !blocked.check(address, 'ipv4');
}

export function forbidden(message: string): BaseError {
  return new BaseError(message, { id: ErrorId.WebhookUrlForbidden, kind: 'terminal' });
}

export interface UrlPolicy {
  allowPrivate: boolean;
}

/** Checks the URL's form (no DNS). Returns the parsed URL. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw forbidden('url is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowPrivate && url.protocol === 'http:'))
    throw forbidden('url must use https');
  if (url.username || url.password) throw forbidden('url must not contain credentials');
  return url;
}

/** Resolves the URL's host and returns the address to connect to, refusing non-public ones. */
export async function resolveWebhookTarget(
  raw: string,
  policy: UrlPolicy,
): Promise<{ url: URL; address: string; family: 4 | 6 }> {
  const url = parseWebhookUrl(raw, policy);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw forbidden(`url host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw forbidden(`url host ${host} does not resolve`);
  if (!policy.allowPrivate) {
    // Every answer must be public: otherwise the resolver (or an attacker's DNS) picks what we reach.
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad) throw forbidden('url resolves to a loopback, private or reserved address');
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

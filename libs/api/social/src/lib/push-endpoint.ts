import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses a push endpoint must not resolve to (SSRF: the server would call into its own network). */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return PRIVATE.check(bare, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped?.[1]) return PRIVATE.check(mapped[1], 'ipv4');
    return PRIVATE.check(bare, 'ipv6');
  }
  return true;
}

export type Resolve = (host: string) => Promise<string[]>;

/** The refusal of a host that does not resolve (now: at send time it may be a passing failure). */
export const UNRESOLVED_HOST = 'endpoint host does not resolve';

const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Why a Web Push endpoint is refused, or null when it is acceptable: it must be an https URL
 * (no credentials) whose host resolves to public addresses only. `allowPrivate` (tests, a local
 * push service) accepts http and private or loopback hosts.
 */
export async function pushEndpointRefusal(
  endpoint: string,
  allowPrivate: boolean,
  resolve: Resolve = resolveAll,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint must be a URL';
  }
  if (url.username || url.password) return 'endpoint must not carry credentials';
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    return 'endpoint must be an https URL';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost'))
    return 'endpoint must be on a public host';
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return UNRESOLVED_HOST;
  }
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    return 'endpoint must be on a public host';
  return null;
}

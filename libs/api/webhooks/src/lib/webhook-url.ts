import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

import ipaddr from 'ipaddr.js';

/** Where a webhook may be sent: its rules, from the configuration. */
export interface UrlPolicy {
  /** Loopback, private, link-local, unique-local and multicast addresses allowed (tests). */
  allowPrivate: boolean;
  /** Only https URLs (production). */
  httpsOnly: boolean;
}

/** A webhook URL that may not be called; the message is safe to show to its owner. */
export class RefusedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedUrlError';
  }
}

/**
 * Whether an address is a public unicast one. Everything else (loopback, private, link-local,
 * unique-local, multicast, carrier-grade NAT, reserved, 6to4/Teredo tunnels that may wrap a
 * private IPv4 address, ...) is refused; IPv4-mapped IPv6 addresses are judged as their IPv4.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

const resolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** The URL, parsed and checked for its form (scheme, no credentials); no DNS. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedUrlError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new RefusedUrlError('url must be an http(s) URL');
  if (policy.httpsOnly && url.protocol !== 'https:')
    throw new RefusedUrlError('url must be an https URL');
  if (url.username || url.password) throw new RefusedUrlError('url must not carry credentials');
  if (!url.hostname) throw new RefusedUrlError('url must name a host');
  return url;
}

/**
 * The addresses the URL's host resolves to, every one of them allowed by the policy; refused
 * (RefusedUrlError) when one is not, or when the host does not resolve.
 */
export async function checkedAddresses(
  host: string,
  policy: UrlPolicy,
  resolve: ResolveAll = resolveAll,
): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  const family = isIP(bare);
  if (family !== 0) addresses = [{ address: bare, family }];
  else {
    try {
      addresses = await resolve(bare);
    } catch {
      throw new RefusedUrlError('url host does not resolve');
    }
  }
  if (addresses.length === 0) throw new RefusedUrlError('url host does not resolve');
  if (!policy.allowPrivate && addresses.some((entry) => !isPublicAddress(entry.address)))
    throw new RefusedUrlError('url must resolve to public addresses only');
  return addresses;
}

/**
 * A `lookup` for http(s).request that resolves the host and refuses it unless every address is
 * allowed: the connection goes to the very address checked, so a name that resolves to a public
 * address at the check and to a private one at the connection (DNS rebinding) is refused too.
 */
export function guardedLookup(policy: UrlPolicy, resolve: ResolveAll = resolveAll): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses(hostname, policy, resolve).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        if (usable.length === 0) {
          callback(new RefusedUrlError('url host has no usable address'), '', 0);
          return;
        }
        if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: Error) => callback(error, '', 0),
    );
  };
}

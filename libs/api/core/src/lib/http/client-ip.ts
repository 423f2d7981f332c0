import type { IncomingMessage } from 'node:http';

import proxyaddr from 'proxy-addr';

/** Which peers' X-Forwarded-For is believed: Express's `trust proxy` values (proxy-addr). */
export type TrustProxy = boolean | number | string[];

/** Decides, for each hop from the socket outwards, whether that address is a trusted proxy. */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY as Express reads `trust proxy`: `true` (every hop: only behind a proxy that
 * overwrites X-Forwarded-For), `false` (none), a number of hops, or a comma-separated list of
 * addresses, CIDR ranges and the names `loopback`, `linklocal`, `uniquelocal`.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === 'true') return true;
  if (text === 'false' || text === '') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const list = text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  proxyaddr.compile(list); // throws TypeError on an invalid address or range
  return list;
}

export function compileTrust(trust: TrustProxy): TrustFn {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

const LOOPBACK_ONLY = compileTrust(['loopback']);

/**
 * The client address of a raw request (a WebSocket upgrade), by the rule Express applies to HTTP
 * requests (`trust proxy`, from TRUST_PROXY): the nearest address in X-Forwarded-For that is not
 * a trusted proxy.
 */
export function clientIpOf(request: IncomingMessage, trust: TrustFn = LOOPBACK_ONLY): string {
  if (!request.socket.remoteAddress) return 'unknown';
  return proxyaddr(request, trust);
}

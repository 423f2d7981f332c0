import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** Which remote ICE candidate addresses the SFU may send STUN (and media) to. */
export interface CandidatePolicy {
  /** 127.0.0.0/8 and ::1 (MEDIA_ALLOW_LOOPBACK_CANDIDATES). */
  allowLoopback: boolean;
  /** RFC 1918, CGNAT 100.64/10 and fc00::/7 (MEDIA_ALLOW_PRIVATE_CANDIDATES). */
  allowPrivate: boolean;
}

function blockList(v4: [string, number][], v6: [string, number][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of v4) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of v6) list.addSubnet(net, prefix, 'ipv6');
  return list;
}

/** Never a peer: this host's own network, broadcast, multicast, link-local, reserved. */
const NEVER = blockList(
  [
    ['0.0.0.0', 8],
    ['169.254.0.0', 16],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ],
  [
    ['::', 128],
    ['fe80::', 10],
    ['ff00::', 8],
  ],
);
const LOOPBACK = blockList([['127.0.0.0', 8]], [['::1', 128]]);
const PRIVATE = blockList(
  [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10],
  ],
  [['fc00::', 7]],
);

/** RFC 8839 candidate attribute: foundation component transport priority address port typ type. */
const CANDIDATE =
  /^(?:a=)?candidate:[A-Za-z0-9+/]{1,32} \d{1,3} (udp|tcp) \d{1,10} (\S{1,255}) (\d{1,5}) typ (host|srflx|prflx|relay)(?: .*)?$/i;

/** An RFC 8828 mDNS host name (browsers hide their host addresses behind these). */
const MDNS_NAME = /^[0-9a-f-]{1,64}\.local$/i;

/**
 * Why a remote candidate is refused, or null when the SFU may use it. Only IP literals outside
 * the refused ranges and mDNS `.local` names are usable: any other host name could resolve to a
 * refused address.
 */
export function candidateRefusal(candidate: string, policy: CandidatePolicy): string | null {
  const match = CANDIDATE.exec(candidate.trim());
  if (!match) return 'not an ICE candidate (candidate:<foundation> <component> <transport> ...)';
  const address = match[2];
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return `port ${port} is not a valid port`;
  if (MDNS_NAME.test(address)) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const type = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (!type) return `address ${address} is neither an IP address nor an mDNS .local name`;
  if (NEVER.check(ip, type)) return `address ${address} cannot be a peer`;
  if (!policy.allowLoopback && LOOPBACK.check(ip, type))
    return `loopback address ${address} is not accepted`;
  if (!policy.allowPrivate && PRIVATE.check(ip, type))
    return `private address ${address} is not accepted`;
  return null;
}

/** An offer with every refused candidate line removed (the rest of the offer still connects). */
export function stripRefusedCandidates(sdp: string, policy: CandidatePolicy): string {
  return sdp
    .split(/(?<=\n)/)
    .filter((line) => {
      const text = line.replace(/\r?\n$/, '');
      return !text.startsWith('a=candidate:') || candidateRefusal(text, policy) === null;
    })
    .join('');
}

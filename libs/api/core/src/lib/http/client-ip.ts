import type { IncomingMessage } from 'node:http';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The client address of a raw request (a WebSocket upgrade), with the rule Express applies to
 * HTTP requests here ('trust proxy' = loopback): X-Forwarded-For counts only when the peer is a
 * proxy on this host, and then the client is its last hop that is not itself on this host.
 */
export function clientIpOf(request: IncomingMessage): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  if (!LOOPBACK.test(peer) || typeof forwarded !== 'string') return peer;
  const hops = forwarded
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  return hops.reverse().find((hop) => !LOOPBACK.test(hop)) ?? hops[0] ?? peer;
}

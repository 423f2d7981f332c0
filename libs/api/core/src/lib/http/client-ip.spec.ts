import type { IncomingMessage } from 'node:http';

import { loadConfig } from '../config/load-config';
import { clientIpOf, compileTrust, parseTrustProxy } from './client-ip';

const request = (peer: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
  }) as unknown as IncomingMessage;

describe('TRUST_PROXY and the client address', () => {
  it('reads Express trust-proxy values', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => parseTrustProxy('not-an-address')).toThrow();
  });

  it('by default believes X-Forwarded-For only from a proxy on this host', () => {
    const trust = compileTrust(parseTrustProxy('loopback'));
    expect(clientIpOf(request('127.0.0.1', '203.0.113.7'), trust)).toBe('203.0.113.7');
    // A remote peer that sends the header is itself the client: the header is a lie.
    expect(clientIpOf(request('198.51.100.1', '203.0.113.7'), trust)).toBe('198.51.100.1');
  });

  it('believes a remote load balancer listed by range, and no further than the first untrusted hop', () => {
    const trust = compileTrust(parseTrustProxy('loopback,10.0.0.0/8'));
    expect(clientIpOf(request('10.1.2.3', '203.0.113.7'), trust)).toBe('203.0.113.7');
    // The client forged a first hop; the load balancer appended the real address.
    expect(clientIpOf(request('10.1.2.3', '1.1.1.1, 203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientIpOf(request('10.1.2.3', '1.1.1.1, 10.9.9.9, 203.0.113.7'), trust)).toBe(
      '203.0.113.7',
    );
  });

  it('counts hops when given a number, and none with false', () => {
    const one = compileTrust(parseTrustProxy('1'));
    expect(clientIpOf(request('192.0.2.10', '1.1.1.1, 203.0.113.7'), one)).toBe('203.0.113.7');
    const none = compileTrust(parseTrustProxy('false'));
    expect(clientIpOf(request('127.0.0.1', '203.0.113.7'), none)).toBe('127.0.0.1');
  });

  it('refuses a bad TRUST_PROXY at start with one line naming it', () => {
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/99', DATA_DIR: '/tmp/x' })).toThrow(
      /TRUST_PROXY must be true, false, a number of hops/,
    );
    expect(loadConfig({ TRUST_PROXY: 'uniquelocal', DATA_DIR: '/tmp/x' }).TRUST_PROXY).toEqual([
      'uniquelocal',
    ]);
  });
});

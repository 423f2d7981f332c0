import { candidateRefusal, stripRefusedCandidates } from './ice-candidate-policy';

const strict = { allowLoopback: false, allowPrivate: false };
const lan = { allowLoopback: true, allowPrivate: true };
const at = (address: string, port = 5000) =>
  `candidate:1 1 udp 2130706431 ${address} ${port} typ host`;

describe('candidateRefusal', () => {
  it('accepts public addresses and mDNS names', () => {
    expect(candidateRefusal(at('203.0.113.7'), strict)).toBeNull();
    expect(candidateRefusal(at('2001:db8::1'), strict)).toBeNull();
    expect(candidateRefusal(at('6f1a2b3c-1111-4222-8333-944455556666.local'), strict)).toBeNull();
    expect(
      candidateRefusal(
        'candidate:842163049 1 udp 1677729535 198.51.100.4 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0',
        strict,
      ),
    ).toBeNull();
  });

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.251',
    '169.254.1.1',
    'fe80::1',
    'ff02::1',
    '::',
    '::ffff:127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.10',
    'fd00::1',
    'localhost',
    'evil.example.com',
  ])('refuses %s by default', (address) => {
    expect(candidateRefusal(at(address), strict)).toEqual(expect.any(String));
  });

  it('accepts loopback and private addresses when configured, never broadcast or unspecified', () => {
    expect(candidateRefusal(at('127.0.0.1', 5432), lan)).toBeNull();
    expect(candidateRefusal(at('192.168.1.10'), lan)).toBeNull();
    expect(candidateRefusal(at('0.0.0.0'), lan)).toEqual(expect.any(String));
    expect(candidateRefusal(at('255.255.255.255'), lan)).toEqual(expect.any(String));
  });

  it.each(['garbage', 'candidate:', '', at('203.0.113.7', 0), at('203.0.113.7', 70000)])(
    'refuses the malformed candidate %j',
    (candidate) => {
      expect(candidateRefusal(candidate, lan)).toEqual(expect.any(String));
    },
  );
});

describe('stripRefusedCandidates', () => {
  it('removes refused candidate lines and keeps the rest of the offer', () => {
    const sdp = [
      'v=0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      `a=${at('127.0.0.1')}`,
      `a=${at('203.0.113.7')}`,
      'a=candidate:garbage',
      'a=mid:0',
      '',
    ].join('\r\n');
    expect(stripRefusedCandidates(sdp, strict)).toBe(
      ['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', `a=${at('203.0.113.7')}`, 'a=mid:0', ''].join(
        '\r\n',
      ),
    );
  });
});

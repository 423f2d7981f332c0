import { RTCPeerConnection } from 'werift';

import { offeredVideoCodec, StreamRoom } from './stream-room';

const offer = (payloads: string, rtpmaps: string[]) =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=rtpmap:111 opus/48000/2',
    `m=video 9 UDP/TLS/RTP/SAVPF ${payloads}`,
    ...rtpmaps,
    '',
  ].join('\r\n');

describe('offeredVideoCodec', () => {
  it("takes the offer's first forwardable video codec (the sender's preference)", () => {
    const chromiumH264First = offer('102 96 97 45', [
      'a=rtpmap:102 H264/90000',
      'a=rtpmap:96 VP8/90000',
      'a=rtpmap:97 rtx/90000',
      'a=rtpmap:45 AV1/90000',
    ]);
    expect(offeredVideoCodec(chromiumH264First)).toBe('video/H264');
    expect(
      offeredVideoCodec(offer('96 102', ['a=rtpmap:96 VP8/90000', 'a=rtpmap:102 H264/90000'])),
    ).toBe('video/VP8');
  });

  it('skips codecs the SFU does not forward, and answers nothing without video', () => {
    expect(
      offeredVideoCodec(
        offer('45 98 96', [
          'a=rtpmap:45 AV1/90000',
          'a=rtpmap:98 VP9/90000',
          'a=rtpmap:96 VP8/90000',
        ]),
      ),
    ).toBe('video/VP8');
    expect(offeredVideoCodec(offer('45', ['a=rtpmap:45 AV1/90000']))).toBeUndefined();
    expect(offeredVideoCodec('v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n')).toBeUndefined();
  });
});

describe('StreamRoom reaping', () => {
  it('closes a viewer session that never connects within connectTimeoutMs and reports it gone', async () => {
    const gone: string[] = [];
    const events: string[] = [];
    const room = new StreamRoom(
      'stream-1',
      { additionalHostAddresses: [], connectTimeoutMs: 300 },
      (event) => events.push(event.type),
      (sessionId) => gone.push(sessionId),
    );
    const client = new RTCPeerConnection();
    client.addTransceiver('video', { direction: 'recvonly' });
    await client.setLocalDescription(await client.createOffer());
    try {
      await room.play('viewer-1', client.localDescription?.sdp ?? '');
      expect(room.stats().subscribers).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(gone).toEqual(['viewer-1']);
      expect(events).toContain('SESSION_CLOSED');
      expect(room.stats().subscribers).toBe(0);
      expect(room.isEmpty).toBe(true);
    } finally {
      await client.close();
      await room.end();
    }
  });
});

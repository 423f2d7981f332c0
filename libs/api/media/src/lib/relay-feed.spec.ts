import { RtpHeader, RtpPacket } from 'werift';

import {
  decodeRelayBatch,
  decodeRelayUp,
  encodeRelayBatch,
  encodeRelayUp,
  lastRelayMeta,
  RelayFeedError,
  type RelayDown,
} from './relay-feed';

const rtp = (sequenceNumber: number, payload: number[]) =>
  new Uint8Array(
    new RtpPacket(
      new RtpHeader({
        payloadType: 96,
        sequenceNumber,
        timestamp: 3000,
        ssrc: 0x1234,
        marker: true,
      }),
      Buffer.from(payload),
    ).serialize(),
  );

const meta: RelayDown = {
  type: 'meta',
  video: {
    mimeType: 'video/H264',
    clockRate: 90000,
    payloadType: 102,
    parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
  },
  audio: { mimeType: 'audio/opus', clockRate: 48000, payloadType: 111, channels: 2 },
  layers: [
    { key: 'q', rid: 'q' },
    { key: 'h', rid: 'h' },
    { key: 'f', rid: 'f' },
  ],
};

describe('relay feed codec', () => {
  it('round-trips every down message in one batch, in order, with the RTP bytes intact', () => {
    const messages: RelayDown[] = [
      meta,
      { type: 'publisher', state: 'restarted' },
      { type: 'video', layer: 'f', keyframe: true, rtp: rtp(7, [0x10, 0x02, 0x00]) },
      { type: 'video', layer: 'q', keyframe: false, rtp: rtp(8, [0x11]) },
      { type: 'audio', rtp: rtp(9, [0xf8, 0xff, 0xfe]) },
      {
        type: 'layerStats',
        layers: [{ key: 'f', width: 1280, height: 720, fps: 29.5, kbps: 2100, active: true }],
      },
      { type: 'publisher', state: 'gone' },
      { type: 'publisher', state: 'connected' },
    ];
    const decoded = decodeRelayBatch(encodeRelayBatch(messages));
    expect(decoded).toEqual(messages);
    const video = decoded[2] as Extract<RelayDown, { type: 'video' }>;
    const packet = RtpPacket.deSerialize(Buffer.from(video.rtp));
    expect(packet.header.sequenceNumber).toBe(7);
    expect([...packet.payload]).toEqual([0x10, 0x02, 0x00]);
  });

  it('makes one exactly sized buffer that can be transferred, and decodes views into it', () => {
    const batch = encodeRelayBatch([{ type: 'audio', rtp: rtp(1, [1, 2, 3]) }]);
    expect(batch.byteOffset).toBe(0);
    expect(batch.buffer.byteLength).toBe(batch.length);
    const [audio] = decodeRelayBatch(batch) as Extract<RelayDown, { type: 'audio' }>[];
    expect(audio.rtp.buffer).toBe(batch.buffer);
    expect(audio.rtp.length).toBe(12 + 3);
  });

  it('decodes an empty batch as no messages, and a batch at an offset of a larger buffer', () => {
    expect(decodeRelayBatch(encodeRelayBatch([]))).toEqual([]);
    const inner = encodeRelayBatch([{ type: 'publisher', state: 'gone' }]);
    const framed = new Uint8Array(inner.length + 4);
    framed.set(inner, 4);
    expect(decodeRelayBatch(framed.subarray(4))).toEqual([{ type: 'publisher', state: 'gone' }]);
  });

  it('rejects malformed batches with RelayFeedError', () => {
    const good = encodeRelayBatch([meta, { type: 'audio', rtp: rtp(1, [1]) }]);
    expect(() => decodeRelayBatch(new Uint8Array([]))).toThrow(RelayFeedError);
    expect(() => decodeRelayBatch(new Uint8Array([9]))).toThrow(RelayFeedError);
    expect(() => decodeRelayBatch(good.subarray(0, good.length - 1))).toThrow(RelayFeedError);
    expect(() => decodeRelayBatch(new Uint8Array([1, 99, 0, 0, 0, 0]))).toThrow(RelayFeedError);
    expect(() => decodeRelayBatch(new Uint8Array([1, 5, 0, 0, 0, 1, 7]))).toThrow(RelayFeedError);
    expect(() => decodeRelayBatch(new Uint8Array([1, 2, 0, 0, 0, 2, 0, 9]))).toThrow(
      RelayFeedError,
    );
  });

  it('round-trips keyframe requests for one layer and for all', () => {
    expect(decodeRelayUp(encodeRelayUp({ type: 'keyframe', layer: 'h' }))).toEqual({
      type: 'keyframe',
      layer: 'h',
    });
    expect(decodeRelayUp(encodeRelayUp({ type: 'keyframe' }))).toEqual({ type: 'keyframe' });
    expect(() => decodeRelayUp(new Uint8Array([1, 16, 4, 0]))).toThrow(RelayFeedError);
  });

  it('finds the last meta of a batch (what a consumer joining later is sent first)', () => {
    const newer = { ...meta, layers: [{ key: 'main', rid: null }] };
    expect(lastRelayMeta([meta, { type: 'publisher', state: 'restarted' }, newer])).toBe(newer);
    expect(lastRelayMeta([{ type: 'publisher', state: 'gone' }])).toBeUndefined();
  });
});

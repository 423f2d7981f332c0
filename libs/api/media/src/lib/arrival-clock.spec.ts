import { Extension, RtpHeader, RtpPacket } from 'werift';

import { ArrivalClock, transportSequenceNumberOf } from './twcc-feedback';

/** An RTP packet as a browser sends it: mid, transport-cc and rid extensions (one-byte form). */
function packet(extensions: Extension[]): Buffer {
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: 1000,
    timestamp: 90_000,
    ssrc: 0x11223344,
    marker: true,
    extension: extensions.length > 0,
    extensions,
  });
  return new RtpPacket(header, Buffer.from([0x90, 0x80, 0x01, 0x02, 0x03])).serialize();
}

const twcc = (id: number, seq: number): Extension => {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(seq);
  return { id, payload };
};

describe('transportSequenceNumberOf (raw RTP header, before SRTP decryption)', () => {
  it('reads the transport-cc extension among others, whatever its place', () => {
    const mid: Extension = { id: 4, payload: Buffer.from('0') };
    const rid: Extension = { id: 10, payload: Buffer.from('f') };
    expect(transportSequenceNumberOf(packet([mid, twcc(3, 51_234), rid]), 3)).toBe(51_234);
    expect(transportSequenceNumberOf(packet([twcc(3, 7)]), 3)).toBe(7);
    expect(transportSequenceNumberOf(packet([mid, rid, twcc(3, 65_535)]), 3)).toBe(65_535);
  });

  it('is undefined without the extension, for another id, RTCP, STUN or garbage', () => {
    expect(transportSequenceNumberOf(packet([]), 3)).toBeUndefined();
    expect(transportSequenceNumberOf(packet([twcc(5, 9)]), 3)).toBeUndefined();
    // An RTCP receiver report (PT 201) is not RTP.
    expect(
      transportSequenceNumberOf(Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 1]), 3),
    ).toBeUndefined();
    // A STUN binding request starts with 0x00 0x01.
    expect(transportSequenceNumberOf(Buffer.alloc(20, 0), 3)).toBeUndefined();
    // An extension header claiming more words than the datagram holds.
    const truncated = Buffer.from(packet([twcc(3, 9)]).subarray(0, 17));
    expect(transportSequenceNumberOf(truncated, 3)).toBeUndefined();
    for (let i = 0; i < 500; i++) {
      const random = Buffer.from(
        Array.from({ length: i % 40 }, () => Math.floor(Math.random() * 256)),
      );
      expect(() => transportSequenceNumberOf(random, 3)).not.toThrow();
    }
  });
});

describe('ArrivalClock', () => {
  it('stamps datagrams when read and hands them on later, in order', async () => {
    let time = 1_000;
    const clock = new ArrivalClock(3, () => time);
    const handled: number[] = [];
    const onData = clock.wrap((data) => {
      handled.push(transportSequenceNumberOf(data, 3) ?? -1);
      time += 2_000; // 2 ms of work per packet
    });
    for (let seq = 1; seq <= 5; seq++) {
      onData(packet([twcc(3, seq)]), ['127.0.0.1', 5000]);
      time += 100; // read 0.1 ms apart
    }
    expect(handled).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual([1, 2, 3, 4, 5]);
    // Read times, not the times the work reached each packet.
    expect([1, 2, 3, 4, 5].map((seq) => clock.take(seq))).toEqual([1000, 1100, 1200, 1300, 1400]);
    expect(clock.take(1)).toBeUndefined();
  });

  it('keeps going after a handler throws', async () => {
    const clock = new ArrivalClock(3);
    const handled: number[] = [];
    const onData = clock.wrap((data) => {
      const seq = transportSequenceNumberOf(data, 3) ?? -1;
      if (seq === 2) throw new Error('bad packet');
      handled.push(seq);
    });
    for (let seq = 1; seq <= 3; seq++) onData(packet([twcc(3, seq)]), ['127.0.0.1', 5000]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual([1, 3]);
  });
});

import { RtcpTransportLayerFeedback, TransportWideCC } from 'werift';

import { serializeFeedback, TwccFeedback } from './twcc-feedback';

/** Parses our bytes with werift's RTCP parser (the same wire format browsers parse). */
function parse(bytes: Buffer): TransportWideCC {
  const header = {
    padding: (bytes[0] & 0x20) !== 0,
    count: 15,
    type: 205,
    length: bytes.readUInt16BE(2),
    version: 2,
  };
  const body = bytes.subarray(
    4,
    header.padding ? bytes.length - bytes[bytes.length - 1] : bytes.length,
  );
  return TransportWideCC.deSerialize(body, header as never);
}

/** Per sequence number: received or not (werift's packetResults skips status vector chunks). */
function received(parsed: TransportWideCC): boolean[] {
  const statuses = parsed.packetChunks.flatMap((chunk) =>
    'runLength' in chunk
      ? Array<number>(chunk.runLength).fill(chunk.packetStatus)
      : (chunk as { symbolList: number[] }).symbolList,
  );
  return statuses.slice(0, parsed.packetStatusCount).map((status) => status !== 0);
}

describe('transport-wide congestion control feedback', () => {
  it('reports every sequence number from the base, lost ones included, with exact arrival deltas', () => {
    let now = 1_000_000_123; // µs
    const sent: Buffer[] = [];
    const feedback = new TwccFeedback({
      senderSsrc: 1,
      mediaSsrc: () => 0x1234,
      send: (packet) => sent.push(packet.serialize()),
      now: () => now,
      intervalMs: 60_000,
    });
    // 100, 101, (102 lost), 103 with 5 ms between arrivals, then 104 after 300 ms (large delta).
    for (const [seq, gap] of [
      [100, 0],
      [101, 5000],
      [103, 5000],
      [104, 300_000],
    ] as const) {
      now += gap;
      feedback.handleTWCC(seq);
    }
    feedback.flush();
    feedback.stop();
    expect(sent).toHaveLength(1);
    const bytes = sent[0];
    expect(bytes.length % 4).toBe(0);
    expect(bytes[1]).toBe(RtcpTransportLayerFeedback.type);
    const parsed = parse(bytes);
    expect(parsed.baseSequenceNumber).toBe(100);
    expect(parsed.packetStatusCount).toBe(5);
    expect(parsed.mediaSourceSsrc).toBe(0x1234);
    expect(received(parsed)).toEqual([true, true, false, true, true]);
    // The reference time is the first arrival rounded down to 64 ms; deltas in 250 µs ticks.
    const first = 1_000_000_123;
    expect(parsed.referenceTime).toBe(Math.floor(first / 64_000));
    const deltas = parsed.recvDeltas.map((d) => d.delta);
    expect(deltas[0]).toBe(Math.round((first - parsed.referenceTime * 64_000) / 250) * 250);
    expect(deltas.slice(1)).toEqual([5000, 5000, 300_000]);
  });

  it('wraps sequence numbers and does not report a packet twice', () => {
    let now = 0;
    const sent: Buffer[] = [];
    const feedback = new TwccFeedback({
      senderSsrc: 1,
      mediaSsrc: () => 2,
      send: (packet) => sent.push(packet.serialize()),
      now: () => (now += 1000),
      intervalMs: 60_000,
    });
    feedback.handleTWCC(65534);
    feedback.handleTWCC(65535);
    feedback.flush();
    feedback.handleTWCC(65535); // late duplicate: already reported
    feedback.handleTWCC(0);
    feedback.handleTWCC(1);
    feedback.flush();
    feedback.stop();
    const [a, b] = sent.map(parse);
    expect([a.baseSequenceNumber, a.packetStatusCount]).toEqual([65534, 2]);
    expect([b.baseSequenceNumber, b.packetStatusCount]).toEqual([0, 2]);
    expect(b.fbPktCount).toBe(1);
  });

  it('encodes long runs as run-length chunks and mixed statuses as vectors', () => {
    const statuses = [...Array(20).fill(1), 0, 1, 0, 1, 2, 1, 1];
    const deltas = statuses.flatMap((s) => (s === 1 ? [4] : s === 2 ? [-8] : []));
    const bytes = serializeFeedback({
      senderSsrc: 9,
      mediaSsrc: 8,
      baseSequence: 500,
      referenceTime: 77,
      feedbackCount: 3,
      statuses,
      deltas,
    });
    const parsed = parse(bytes);
    expect(parsed.packetStatusCount).toBe(statuses.length);
    expect(received(parsed)).toEqual(statuses.map((s) => s !== 0));
    expect(parsed.recvDeltas.map((d) => d.delta)).toEqual(deltas.map((d) => d * 250));
  });
});

import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  type RTCRtpTransceiver,
} from 'werift';

import { FastRtpSender } from './fast-sender';
import { createPeer } from './peer-config';

const TRANSPORT_CC_URI =
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

interface Pair {
  sfu: RTCPeerConnection;
  viewer: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  received: RtpPacket[];
}

/** An SFU peer (our configuration) sending video to a werift viewer over loopback. */
async function connect(profile: number): Promise<Pair> {
  const sfu = createPeer({ additionalHostAddresses: [] });
  const viewer = createPeer({ additionalHostAddresses: [] });
  const transceiver = sfu.addTransceiver('video', { direction: 'sendonly' });
  const received: RtpPacket[] = [];
  viewer.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => received.push(rtp)));
  const only = (pc: RTCPeerConnection) => {
    for (const transport of pc.dtlsTransports)
      (transport as unknown as { srtpProfiles: number[] }).srtpProfiles = [profile];
  };
  await sfu.setLocalDescription(await sfu.createOffer());
  only(sfu);
  const described = (pc: RTCPeerConnection) => {
    if (!pc.localDescription) throw new Error('no local description');
    return pc.localDescription;
  };
  await viewer.setRemoteDescription(described(sfu));
  await viewer.setLocalDescription(await viewer.createAnswer());
  only(viewer);
  await sfu.setRemoteDescription(described(viewer));
  await new Promise<void>((resolve) => {
    if (sfu.connectionState === 'connected') return resolve();
    sfu.connectionStateChange.subscribe((state) => state === 'connected' && resolve());
  });
  return { sfu, viewer, transceiver, received };
}

const packet = (sequenceNumber: number, timestamp: number, size = 1000, marker = false) =>
  new RtpPacket(
    new RtpHeader({ payloadType: 96, sequenceNumber, timestamp, ssrc: 0x1111, marker }),
    Buffer.alloc(size, sequenceNumber & 0xff),
  );

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('FastRtpSender', () => {
  let pair: Pair | undefined;
  afterEach(async () => {
    await pair?.sfu.close();
    await pair?.viewer.close();
    pair = undefined;
  });

  it('delivers what werift would: SRTP the viewer decrypts, its SSRC and payload type, continuous numbering, transport-cc', async () => {
    pair = await connect(ProtectionProfileAes128CmHmacSha1_80);
    const { transceiver, received } = pair;
    const fast = new FastRtpSender(transceiver.sender);
    for (let i = 0; i < 100; i++)
      fast.send(packet(40_000 + i, 1_000 + i * 3000, 200 + i * 10, i % 5 === 4));
    await until(() => received.length >= 100);
    expect(fast.sent).toEqual({ fast: 100, werift: 0 });
    expect(received).toHaveLength(100);
    const { headerExtensions } = transceiver.sender as unknown as {
      headerExtensions: { id: number; uri: string }[];
    };
    const ccId = headerExtensions.find((e) => e.uri === TRANSPORT_CC_URI)?.id;
    expect(ccId).toBeDefined();
    const first = received[0].header.sequenceNumber;
    received.forEach((rtp, i) => {
      expect(rtp.header.ssrc).toBe(transceiver.sender.ssrc);
      expect(rtp.header.payloadType).toBe(transceiver.sender.codec?.payloadType);
      expect(rtp.header.sequenceNumber).toBe((first + i) & 0xffff);
      expect(rtp.header.timestamp - received[0].header.timestamp).toBe(i * 3000);
      expect(rtp.header.marker).toBe(i % 5 === 4);
      expect(rtp.payload.equals(Buffer.alloc(200 + i * 10, (40_000 + i) & 0xff))).toBe(true);
      expect(rtp.header.extensions.some((e) => e.id === ccId && e.payload.length === 2)).toBe(true);
    });
    // werift's sender-report counters follow.
    const internals = transceiver.sender as unknown as { packetCount: number; octetCount: number };
    expect(internals.packetCount).toBe(100);
    expect(internals.octetCount).toBe(received.reduce((sum, rtp) => sum + rtp.payload.length, 0));
  });

  it("continues the viewer's numbering across a source switch (werift's replaceRTP)", async () => {
    pair = await connect(ProtectionProfileAes128CmHmacSha1_80);
    const { transceiver, received } = pair;
    const fast = new FastRtpSender(transceiver.sender);
    for (let i = 0; i < 10; i++) fast.send(packet(100 + i, 5_000 + i * 3000));
    transceiver.sender.replaceRTP(packet(7000, 900_000).header, false, 3000);
    for (let i = 0; i < 10; i++) fast.send(packet(7000 + i, 900_000 + i * 3000));
    await until(() => received.length >= 20);
    const sequence = received.map((rtp) => rtp.header.sequenceNumber);
    expect(sequence).toEqual(sequence.map((_, i) => (sequence[0] + i) & 0xffff));
    const steps = received
      .slice(1)
      .map((rtp, i) => rtp.header.timestamp - received[i].header.timestamp);
    expect(steps).toEqual(Array<number>(19).fill(3000));
  });

  /**
   * Sends 40 packets 10 ms apart; the network loses the 5th. `forget`: the history is dropped
   * right after the 5th, before the viewer can NACK it.
   */
  async function lossy(forget: boolean): Promise<Set<number>> {
    pair = await connect(ProtectionProfileAes128CmHmacSha1_80);
    const { transceiver, received } = pair;
    const fast = new FastRtpSender(transceiver.sender);
    const socket = (
      transceiver.sender as unknown as {
        dtlsTransport: {
          iceTransport: {
            connection: {
              nominated: {
                protocol: { transport: { socket: { send: (...a: unknown[]) => void } } };
              };
            };
          };
        };
      }
    ).dtlsTransport.iceTransport.connection.nominated.protocol.transport.socket;
    const send = socket.send.bind(socket);
    let datagrams = 0;
    socket.send = (...args: unknown[]) => {
      if (++datagrams !== 5) send(...args);
    };
    for (let i = 0; i < 40; i++) {
      if (forget && i === 5) fast.forgetHistory();
      fast.send(packet(300 + i, i * 3000));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await until(
      () => received.some((rtp) => rtp.payload.equals(Buffer.alloc(1000, 304 & 0xff))),
      forget ? 1000 : 3000,
    );
    return new Set(received.map((rtp) => rtp.payload[0]));
  }

  it("repairs a lost packet through werift's retransmission path (NACK) from its history", async () => {
    const payloads = await lossy(false);
    for (let i = 0; i < 40; i++) expect(payloads.has((300 + i) & 0xff)).toBe(true);
  });

  it('leaves a loss unrepaired once the history is forgotten (a congested switch)', async () => {
    const payloads = await lossy(true);
    expect(payloads.has(304 & 0xff)).toBe(false);
    expect(payloads.size).toBe(39);
  });

  it('sends padding-only probe packets the viewer decrypts, with the transport-wide sequence number it returns', async () => {
    pair = await connect(ProtectionProfileAes128CmHmacSha1_80);
    const { transceiver, viewer } = pair;
    const fast = new FastRtpSender(transceiver.sender);
    const all: RtpPacket[] = [];
    for (const transport of viewer.dtlsTransports)
      (
        transport as unknown as { onRtp: { subscribe(f: (rtp: RtpPacket) => void): void } }
      ).onRtp.subscribe((rtp) => all.push(rtp));
    const { headerExtensions } = transceiver.sender as unknown as {
      headerExtensions: { id: number; uri: string }[];
    };
    const ccId = headerExtensions.find((e) => e.uri === TRANSPORT_CC_URI)?.id as number;
    fast.send(packet(1, 0));
    const sequences: (number | undefined)[] = [];
    for (let i = 0; i < 5; i++)
      sequences.push(
        fast.padding({
          ssrc: 0x2222_3333,
          payloadType: 97,
          sequenceNumber: 500 + i,
          timestamp: 77,
          size: 255 - i,
          transportCcId: ccId,
        }),
      );
    await until(() => all.filter((rtp) => rtp.header.ssrc === 0x2222_3333).length >= 5);
    const padding = all.filter((rtp) => rtp.header.ssrc === 0x2222_3333);
    expect(padding).toHaveLength(5);
    const media = all.find((rtp) => rtp.header.ssrc === transceiver.sender.ssrc);
    const mediaCc = media?.header.extensions.find((e) => e.id === ccId)?.payload.readUInt16BE();
    padding.forEach((rtp, i) => {
      expect(rtp.header.payloadType).toBe(97);
      expect(rtp.header.sequenceNumber).toBe(500 + i);
      expect(rtp.header.timestamp).toBe(77);
      expect(rtp.header.padding).toBe(true);
      expect(rtp.header.paddingSize).toBe(255 - i);
      const cc = rtp.header.extensions.find((e) => e.id === ccId)?.payload.readUInt16BE();
      // One transport-wide sequence across media and padding.
      expect(cc).toBe(sequences[i]);
      expect(cc).toBe(((mediaCc ?? 0) + 1 + i) & 0xffff);
    });
    expect(fast.sent.fast).toBe(6);
  });

  it("leaves another SRTP profile (AEAD_AES_128_GCM) to werift's own path", async () => {
    pair = await connect(ProtectionProfileAeadAes128Gcm);
    const { transceiver, received } = pair;
    const fast = new FastRtpSender(transceiver.sender);
    for (let i = 0; i < 10; i++) fast.send(packet(10 + i, i * 3000));
    await until(() => received.length >= 10);
    expect(fast.sent).toEqual({ fast: 0, werift: 10 });
    expect(received).toHaveLength(10);
  });
});

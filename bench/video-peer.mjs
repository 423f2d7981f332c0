// A load process of bench/video.mjs: werift WebRTC clients over the real signaling (GraphQL).
// role "publisher": a 720p simulcast publisher like Chrome's (rids q/h/f: 180p/360p/720p VP8 at
// ~0.15/0.6/2.5 Mbit/s, 30 fps, pre-encoded with ffmpeg and looped; a layer restarts at its
// keyframe on a PLI for it) + Opus.
// role "subscribers": `count` viewers on AUTO, joined `staggerMs` apart, that cost less than the
// server: after the DTLS handshake they take the datagrams off werift's transport before SRTP and
// count video packets by RTP sequence number per SSRC WITHOUT decrypting (the RTP header is in the
// clear; a viewer decrypts only until its first keyframe, to time it). What the SFU adapts a
// viewer's layer on still flows: transport-wide congestion-control feedback built from the
// (clear) transport-cc header extension, and NACKs for sequence-number gaps, both sent through
// werift's SRTCP path.
// Both roles negotiate AES_CM_128_HMAC_SHA1_80, what Chromium negotiates with the SFU (two werift
// peers would pick AEAD_AES_128_GCM); BENCH_SRTP=gcm keeps werift's default.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import {
  GenericNack,
  isMedia,
  isRtcp,
  MediaStreamTrack,
  PictureLossIndication,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCPeerConnection,
  RtcpPayloadSpecificFeedback,
  RtcpTransportLayerFeedback,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  useTWCC,
  useVP8,
  Vp8Packetizer,
  Vp8RtpPayload,
} from 'werift';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const TRANSPORT_CC_URI =
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
/** Chrome's three simulcast layers of a 720p camera. */
const LAYERS = [
  { rid: 'q', width: 320, height: 180, kbps: 150 },
  { rid: 'h', width: 640, height: 360, kbps: 600 },
  { rid: 'f', width: 1280, height: 720, kbps: 2500 },
];
const FPS = 30;
/** BENCH_FEEDBACK=off: viewers send no transport-wide feedback and no NACKs. */
const FEEDBACK = process.env.BENCH_FEEDBACK !== 'off';
const LOOP_SECONDS = 3;

const peer = (video) => {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [useOPUS({ payloadType: 111 })],
      video,
    },
    headerExtensions: {
      video: [useSdesMid(), useTransportWideCC(), useSdesRTPStreamId()],
      audio: [useSdesMid()],
    },
  });
  return pc;
};

/** Before the DTLS handshake: offer only the profile Chromium negotiates (unless BENCH_SRTP=gcm). */
function chromiumSrtpProfile(pc) {
  if (process.env.BENCH_SRTP === 'gcm') return;
  for (const transport of pc.dtlsTransports)
    transport.srtpProfiles = [ProtectionProfileAes128CmHmacSha1_80];
}

async function offer(pc) {
  await pc.setLocalDescription(await pc.createOffer());
  chromiumSrtpProfile(pc);
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) =>
      pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()),
    );
  }
  return pc.localDescription.sdp;
}

/** The id the SDP gives a header extension (what both ends use after negotiation). */
function extensionId(sdp, uri) {
  const match = new RegExp(
    `a=extmap:(\\d+)(?:/\\w+)? ${uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  ).exec(sdp);
  return match ? Number(match[1]) : undefined;
}

async function gql(url, query, variables, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** VP8 frames of one layer (IVF from ffmpeg/libvpx, cached in the temp folder), first a keyframe. */
function layerFrames({ width, height, kbps }) {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    // A moving test pattern with noise: hard enough to compress that the encoder holds the rate.
    '-i',
    `testsrc2=size=${width}x${height}:rate=${FPS},noise=alls=12:allf=t`,
    '-t',
    String(LOOP_SECONDS),
    '-c:v',
    'libvpx',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-b:v',
    `${kbps}k`,
    '-minrate',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps}k`,
    '-g',
    String(FPS * LOOP_SECONDS),
    '-auto-alt-ref',
    '0',
    '-lag-in-frames',
    '0',
    '-f',
    'ivf',
  ];
  const dir = join(tmpdir(), 'finserve-bench-vp8');
  const file = join(
    dir,
    `${createHash('sha256').update(args.join(' ')).digest('hex').slice(0, 16)}.ivf`,
  );
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('ffmpeg', [...args, `${file}.part`]);
    renameSync(`${file}.part`, file);
  }
  const ivf = readFileSync(file);
  const frames = [];
  for (let offset = ivf.readUInt16LE(6); offset + 12 <= ivf.length;) {
    const size = ivf.readUInt32LE(offset);
    frames.push(ivf.subarray(offset + 12, offset + 12 + size));
    offset += 12 + size;
  }
  return frames;
}

async function publisher({ url, streamId, token }) {
  const pc = peer([useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI(), useTWCC()] })]);
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const transceiver = pc.addTransceiver(video, {
    direction: 'sendonly',
    simulcast: LAYERS.map(({ rid }) => ({ rid, direction: 'send' })),
  });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  const sdp = await offer(pc);
  const { publishStream } = await gql(
    url,
    'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sdp } }',
    { s: streamId, sdp },
    token,
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
  const ids = {
    mid: extensionId(publishStream.sdp, MID_URI),
    rid: extensionId(publishStream.sdp, RID_URI),
    twcc: extensionId(publishStream.sdp, TRANSPORT_CC_URI),
  };
  if (!ids.mid || !ids.rid) throw new Error('the SFU did not negotiate mid/rid header extensions');
  await new Promise((resolve) =>
    pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve()),
  );
  pc.connectionStateChange.subscribe(
    (s) =>
      s !== 'connected' &&
      console.error(`publisher connection ${s} (ICE ${pc.iceConnectionState})`),
  );
  // werift 0.25 does not send simulcast itself: the layers go straight to the DTLS transport, each
  // on its own SSRC with the mid, rid and transport-wide sequence number extensions.
  const [transport] = pc.dtlsTransports;
  const mid = Buffer.from(transceiver.mid);
  const layers = LAYERS.map((layer, i) => ({
    ...layer,
    frames: layerFrames(layer),
    next: 0,
    ssrc: 0x1111_0000 + i,
    packetizer: new Vp8Packetizer({ payloadType: 96, ssrc: 0x1111_0000 + i, maxPayloadSize: 1200 }),
  }));
  // The SFU asks a layer for a keyframe by its SSRC: that layer restarts at its first frame.
  const upstream = { reported: 0, lost: 0, plis: 0, nacked: 0 };
  // BENCH_DEBUG: what the SFU's feedback says of the publisher's packets (lost on the way in).
  if (process.env.BENCH_DEBUG)
    setInterval(() => console.error('publisher -> SFU', JSON.stringify(upstream)), 5000);
  transport.onRtcp.subscribe((rtcp) => {
    if (rtcp.type === RtcpTransportLayerFeedback.type) {
      const { feedback } = rtcp;
      if (feedback.packetStatusCount !== undefined) {
        upstream.reported += feedback.packetStatusCount;
        upstream.lost += feedback.packetStatusCount - feedback.recvDeltas.length;
      } else if (feedback.lost) upstream.nacked += feedback.lost.length;
    }
    if (rtcp.type !== RtcpPayloadSpecificFeedback.type) return;
    upstream.plis++;
    if (!(rtcp.feedback instanceof PictureLossIndication)) return;
    const layer = layers.find((l) => l.ssrc === rtcp.feedback.mediaSsrc);
    if (layer) layer.next = 0;
  });
  // Paced like Chrome's sender (2.5 x the media rate): a 720p keyframe is ~100 packets, which in
  // one burst would overflow the SFU's UDP receive buffer.
  const queue = [];
  const paceBytesPerMs = (2.5 * LAYERS.reduce((sum, l) => sum + l.kbps, 0)) / 8;
  let credit = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    credit = Math.min(credit + (now - last) * paceBytesPerMs, 16 * 1200);
    last = now;
    while (queue.length && credit > 0) {
      const { header, payload } = queue.shift();
      credit -= payload.length + 40;
      transport.transportSequenceNumber = (transport.transportSequenceNumber + 1) & 0xffff;
      const twcc = Buffer.alloc(2);
      twcc.writeUInt16BE(transport.transportSequenceNumber);
      if (ids.twcc) header.extensions.push({ id: ids.twcc, payload: twcc });
      header.extensions.sort((a, b) => a.id - b.id);
      void transport.sendRtp(payload, header);
    }
  }, 2);
  let timestamp = 0;
  setInterval(() => {
    for (const layer of layers) {
      const frame = layer.frames[layer.next];
      layer.next = (layer.next + 1) % layer.frames.length;
      for (const packet of layer.packetizer.packetize(frame, timestamp)) {
        packet.header.extensions = [
          { id: ids.mid, payload: mid },
          { id: ids.rid, payload: Buffer.from(layer.rid) },
        ];
        queue.push(packet);
      }
    }
    timestamp = (timestamp + 90_000 / FPS) >>> 0;
  }, 1000 / FPS);
  let seq = 0,
    ats = 0;
  setInterval(() => {
    audio.writeRtp(
      new RtpPacket(
        new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: ats, ssrc: 0x22222222 }),
        OPUS_SILENCE,
      ),
    );
    seq = (seq + 1) & 0xffff;
    ats = (ats + 960) >>> 0;
  }, 20);
  process.send({ ready: true });
}

/** The SFU's transport-wide feedback generator (libs/api/media), transpiled for this process. */
async function loadTwccFeedback() {
  const source = readFileSync(join(root, 'libs/api/media/src/lib/twcc-feedback.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const module = await import(
    `data:text/javascript;base64,${Buffer.from(outputText).toString('base64')}`
  );
  return module.TwccFeedback;
}

/** RTP header fields read from a (still encrypted) SRTP datagram. */
function readRtp(data, twccId) {
  const csrcCount = data[0] & 0x0f;
  const result = {
    payloadType: data[1] & 0x7f,
    sequenceNumber: data.readUInt16BE(2),
    ssrc: data.readUInt32BE(8),
    transportSequenceNumber: undefined,
  };
  let offset = 12 + 4 * csrcCount;
  if (data[0] & 0x10 && twccId && data.readUInt16BE(offset) === 0xbede) {
    const end = offset + 4 + 4 * data.readUInt16BE(offset + 2);
    offset += 4;
    while (offset < end) {
      const byte = data[offset];
      if (byte === 0) {
        offset++;
        continue;
      }
      const id = byte >> 4;
      const length = (byte & 0x0f) + 1;
      if (id === twccId && length === 2)
        result.transportSequenceNumber = data.readUInt16BE(offset + 1);
      offset += 1 + length;
    }
  }
  return result;
}

async function subscribers({ url, streamId, count, staggerMs }) {
  const TwccFeedback = await loadTwccFeedback();
  const viewers = [];
  /**
   * Connects viewer `v` (a new peer connection and media session); a first try that fails (ICE)
   * or is not connected within 10 s is closed and made again once, as the web player retries.
   */
  const connect = async (v, i) => {
    const pc = peer([
      useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI(), useTWCC()] }),
      new RTCRtpCodecParameters({
        mimeType: 'video/rtx',
        clockRate: 90000,
        payloadType: 97,
        parameters: 'apt=96',
      }),
    ]);
    v.pc = pc;
    const retry = () => {
      if (v.pc !== pc || v.connectedAt || v.retried) return;
      v.retried = true;
      void gql(url, 'mutation($id: ID!) { closeMediaSession(sessionId: $id) }', {
        id: v.sessionId,
      })
        .catch(() => undefined)
        .then(() => pc.close())
        .catch(() => undefined)
        .then(() => connect(v, i))
        .catch((error) => console.error(`viewer ${i}: retry failed: ${error.message}`));
    };
    pc.connectionStateChange.subscribe((s) => {
      if (v.pc !== pc) return;
      if (s === 'connected' && !v.connectedAt) v.connectedAt = performance.now();
      if (s === 'failed') retry();
    });
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const sdp = await offer(pc);
    const twccId = extensionId(sdp, TRANSPORT_CC_URI);
    const senderSsrc = 0x3000_0000 + i;
    const [transport] = pc.dtlsTransports;
    // Replaces werift's SRTP receive path (transport/dtls.js startSrtp) for this transport.
    transport.startSrtp = function startSrtp() {
      if (this.srtpStarted) return;
      this.srtpStarted = true;
      this.updateSrtpSession();
      let mediaSsrc = 0;
      const feedback = new TwccFeedback({
        senderSsrc,
        mediaSsrc: () => mediaSsrc,
        send: (packet) => void this.sendRtcp([packet]).catch(() => undefined),
      });
      this.onStateChange.subscribe((state) => state === 'closed' && feedback.stop());
      this.iceTransport.connection.onData.subscribe((data) => {
        if (!isMedia(data) || isRtcp(data)) return; // the SFU's reports: not needed
        const rtp = readRtp(data, twccId);
        if (FEEDBACK) feedback.handleTWCC(rtp.transportSequenceNumber);
        if (rtp.payloadType !== 96) {
          v.otherPackets++;
          return;
        }
        mediaSsrc = rtp.ssrc;
        v.videoPackets++;
        v.videoBytes += data.length;
        let s = v.streams.get(rtp.ssrc);
        if (!s) {
          s = { first: rtp.sequenceNumber, highest: rtp.sequenceNumber, received: 0 };
          v.streams.set(rtp.ssrc, s);
        }
        s.received++;
        // Extended sequence number (wraps at 16 bits); a gap: NACK what is missing, once.
        const delta = ((rtp.sequenceNumber - (s.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
        if (delta > 0) {
          if (delta > 1 && FEEDBACK) {
            const lost = [];
            for (let k = 1; k < Math.min(delta, 64); k++) lost.push((s.highest + k) & 0xffff);
            v.nacks++;
            void this.sendRtcp([
              new RtcpTransportLayerFeedback({
                feedback: new GenericNack({ senderSsrc, mediaSourceSsrc: rtp.ssrc, lost }),
              }),
            ]).catch(() => undefined);
          }
          s.highest += delta;
        }
        if (!v.firstKeyAt) {
          // Until the first keyframe only: decrypt to see it.
          try {
            const packet = RtpPacket.deSerialize(this.srtp.decrypt(data));
            if (Vp8RtpPayload.deSerialize(packet.payload).isKeyframe)
              v.firstKeyAt = performance.now();
          } catch {
            // not authentic or not VP8: keep counting
          }
        }
      });
    };
    const { playStream } = await gql(
      url,
      'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sessionId sdp } }',
      { s: streamId, sdp },
    );
    v.sessionId = playStream.sessionId;
    await pc.setRemoteDescription({ type: 'answer', sdp: playStream.sdp });
    // Not connected (ICE and DTLS) 10 s after the answer: joined again too.
    setTimeout(retry, 10_000).unref();
  };
  for (let i = 0; i < count; i++) {
    const v = {
      pc: undefined,
      sessionId: undefined,
      retried: false,
      connectedAt: 0,
      firstKeyAt: 0,
      /** Video per SSRC: highest extended sequence number, first one, packets received. */
      streams: new Map(),
      videoPackets: 0,
      videoBytes: 0,
      otherPackets: 0,
      nacks: 0,
    };
    await connect(v, i);
    viewers.push(v);
    await new Promise((r) => setTimeout(r, staggerMs));
  }
  await new Promise((r) => setTimeout(r, 2000)); // settle
  const snapshot = () =>
    viewers.map((v) => ({
      packets: v.videoPackets,
      bytes: v.videoBytes,
      other: v.otherPackets,
      expected: [...v.streams.values()].reduce((sum, s) => sum + (s.highest - s.first + 1), 0),
      received: [...v.streams.values()].reduce((sum, s) => sum + s.received, 0),
    }));
  // Joined: the bench starts every load process's window at once.
  const { measureMs } = await new Promise((resolve) => {
    process.once('message', resolve);
    process.send({ joined: viewers.length });
  });
  const start = snapshot();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  const end = snapshot();
  const seconds = (performance.now() - t0) / 1000;
  process.send({
    viewers: viewers.map((v, i) => ({
      connected: v.connectedAt > 0,
      retried: v.retried,
      // Where one that did not connect stopped (BENCH_DEBUG prints every viewer's figures).
      ...(v.connectedAt > 0
        ? {}
        : {
            state: v.pc.connectionState,
            ice: v.pc.iceConnectionState,
            dtls: v.pc.dtlsTransports[0]?.state,
          }),
      firstKeyframeMs: v.firstKeyAt && v.connectedAt ? v.firstKeyAt - v.connectedAt : null,
      packetsPerSecond: (end[i].packets - start[i].packets) / seconds,
      kbps: ((end[i].bytes - start[i].bytes) * 8) / 1000 / seconds,
      otherPackets: end[i].other - start[i].other,
      videoPackets: end[i].packets - start[i].packets,
      expected: end[i].expected - start[i].expected,
      received: end[i].received - start[i].received,
      nacks: v.nacks,
      ssrcs: v.streams.size,
    })),
  });
  // Then, when told, the viewers leave as the web player does (closeMediaSession), so the bench's
  // next step does not start with this step's viewers still being forwarded to until their ICE
  // consent expires (30 s: werift's close() sends no DTLS close_notify).
  await new Promise((resolve) => process.once('message', resolve));
  await Promise.all(
    viewers.map(async (v) => {
      await gql(url, 'mutation($id: ID!) { closeMediaSession(sessionId: $id) }', {
        id: v.sessionId,
      }).catch(() => undefined);
      await Promise.resolve(v.pc.close()).catch(() => undefined);
    }),
  );
  process.send({ closed: viewers.length });
}

process.once('message', (message) => {
  const run = message.role === 'publisher' ? publisher : subscribers;
  run(message).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});

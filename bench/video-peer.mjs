// A load process of bench/video.mjs: werift WebRTC clients over the real signaling (GraphQL).
// role "publisher": one synthetic VP8 (30 fps, one packet a frame) + Opus sender; keyframe on PLI.
// role "subscribers": `count` viewers, joined `staggerMs` apart; reports per viewer the time from
// connected to first keyframe and the video packets received in the measuring window.
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useNACK,
  useOPUS,
  usePLI,
  useVP8,
  Vp8Packetizer,
  Vp8RtpPayload,
} from 'werift';

const VP8_KEYFRAME = Buffer.from(
  '7002009d012a10001000390500011c240c2c2c442c2440100000606ac0feffab5080',
  'hex',
);
const VP8_DELTA = Buffer.from('110300e34bd80467af104f4fae8f2fde3f801fc06160bfd000200000', 'hex');
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

const peer = () =>
  new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [useOPUS({ payloadType: 111 })],
      video: [useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI()] })],
    },
  });

async function offer(pc) {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) =>
      pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()),
    );
  }
  return pc.localDescription.sdp;
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

async function publisher({ url, streamId, token }) {
  const pc = peer();
  const video = new MediaStreamTrack({ kind: 'video' });
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const vt = pc.addTransceiver(video, { direction: 'sendonly' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  let forceKey = true;
  vt.sender.onPictureLossIndication.subscribe(() => (forceKey = true));
  const { publishStream } = await gql(
    url,
    'mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sdp } }',
    { s: streamId, sdp: await offer(pc) },
    token,
  );
  await pc.setRemoteDescription({ type: 'answer', sdp: publishStream.sdp });
  const packetizer = new Vp8Packetizer({ payloadType: 96, ssrc: 0x11111111, maxPayloadSize: 1200 });
  let ts = 0;
  setInterval(() => {
    const key = forceKey;
    forceKey = false;
    for (const p of packetizer.packetize(key ? VP8_KEYFRAME : VP8_DELTA, ts)) video.writeRtp(p);
    ts = (ts + 3000) >>> 0;
  }, 1000 / 30);
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

async function subscribers({ url, streamId, count, staggerMs, windowMs }) {
  const viewers = [];
  for (let i = 0; i < count; i++) {
    const pc = peer();
    const v = { pc, packets: 0, connectedAt: 0, firstKeyAt: 0, windowStart: 0, windowPackets: 0 };
    pc.connectionStateChange.subscribe(
      (s) => s === 'connected' && !v.connectedAt && (v.connectedAt = performance.now()),
    );
    pc.ontrack = ({ track }) => {
      if (track.kind !== 'video') return;
      track.onReceiveRtp.subscribe((rtp) => {
        v.packets++;
        if (!v.firstKeyAt && Vp8RtpPayload.deSerialize(rtp.payload).isKeyframe)
          v.firstKeyAt = performance.now();
      });
    };
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const { playStream } = await gql(
      url,
      'mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sdp } }',
      { s: streamId, sdp: await offer(pc) },
    );
    await pc.setRemoteDescription({ type: 'answer', sdp: playStream.sdp });
    viewers.push(v);
    await new Promise((r) => setTimeout(r, staggerMs));
  }
  await new Promise((r) => setTimeout(r, 2000)); // settle
  const start = viewers.map((v) => v.packets);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const seconds = (performance.now() - t0) / 1000;
  process.send({
    viewers: viewers.map((v, i) => ({
      connected: v.connectedAt > 0,
      firstKeyframeMs: v.firstKeyAt && v.connectedAt ? v.firstKeyAt - v.connectedAt : null,
      packetsPerSecond: (v.packets - start[i]) / seconds,
    })),
  });
}

process.once('message', (message) => {
  const run = message.role === 'publisher' ? publisher : subscribers;
  run(message).catch((error) => {
    console.error(error);
    process.exit(1);
  });
});

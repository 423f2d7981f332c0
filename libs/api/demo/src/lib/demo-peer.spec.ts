import { RTCPeerConnection, useNACK, useOPUS, usePLI, useVP8, Vp8RtpPayload } from 'werift';

import { loadDemoClip, type DemoClip } from './demo-clip';
import { DemoPeer } from './demo-peer';

interface Received {
  seq: number;
  ts: number;
  keyStart: boolean;
}

/** A werift receiver answering the demo peer's offer directly (no SFU), recording RTP headers. */
async function connect(peer: DemoPeer): Promise<{
  receiver: RTCPeerConnection;
  video: Received[];
  audio: Received[];
  requestKeyframe: () => void;
}> {
  const receiver = new RTCPeerConnection({
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [useOPUS({ payloadType: 111 })],
      video: [useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI()] })],
    },
  });
  const video: Received[] = [];
  const audio: Received[] = [];
  let requestKeyframe = (): void => undefined;
  receiver.ontrack = ({ track, receiver: rtpReceiver }) => {
    if (track.kind === 'video')
      requestKeyframe = () => void rtpReceiver.sendRtcpPLI(track.ssrc ?? 0).catch(() => undefined);
    track.onReceiveRtp.subscribe(({ header, payload }) => {
      const into = track.kind === 'video' ? video : audio;
      const keyStart = track.kind === 'video' && Vp8RtpPayload.deSerialize(payload).isKeyframe;
      into.push({ seq: header.sequenceNumber, ts: header.timestamp, keyStart });
    });
  };
  await receiver.setRemoteDescription({ type: 'offer', sdp: await peer.offer() });
  await receiver.setLocalDescription(await receiver.createAnswer());
  await new Promise<void>((resolve) => {
    if (receiver.iceGatheringState === 'complete') resolve();
    else
      receiver.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') resolve();
      });
  });
  await peer.answer(receiver.localDescription?.sdp ?? '');
  return { receiver, video, audio, requestKeyframe: () => requestKeyframe() };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gaps = (values: number[], modulo: number) =>
  values.slice(1).map((value, i) => (value - values[i] + modulo) % modulo);

describe('DemoPeer (werift publisher of the looping clip)', () => {
  let clip: DemoClip;

  beforeAll(async () => {
    // The real clip cut to its first 10 frames (400 ms, one keyframe): three loops in 1.2 s.
    const full = await loadDemoClip();
    clip = {
      durationMs: 400,
      video: full.video.slice(0, 10),
      audio: full.audio.slice(0, 20),
      stills: [],
    };
  });

  it('keeps RTP sequence numbers and timestamps continuous across loops, each loop opening on a keyframe', async () => {
    const peer = new DemoPeer(clip, { gone: () => undefined });
    const { receiver, video, audio } = await connect(peer);
    try {
      // Three loops' worth of video (30 frames, 1.2 s), however long connecting took.
      for (
        let waited = 0;
        new Set(video.map((p) => p.ts)).size < 30 && waited < 10_000;
        waited += 100
      )
        await wait(100);
    } finally {
      await peer.close();
      await receiver.close();
    }
    // Video: one frame every 40 ms (3600 ticks), whatever loop it is in; packets numbered 1 by 1.
    const frameStarts = [...new Set(video.map((packet) => packet.ts))];
    expect(frameStarts.length).toBeGreaterThanOrEqual(30);
    expect(new Set(gaps(frameStarts, 2 ** 32))).toEqual(new Set([3600]));
    expect(
      new Set(
        gaps(
          video.map((packet) => packet.seq),
          2 ** 16,
        ),
      ),
    ).toEqual(new Set([1]));
    // Every loop (10 frames) starts on the clip's keyframe, and only there.
    const keyframes = frameStarts
      .map((ts, i) => (video.find((packet) => packet.ts === ts)?.keyStart ? i : -1))
      .filter((i) => i >= 0);
    expect(keyframes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keyframes.slice(1).map((k, i) => k - keyframes[i]))).toEqual(new Set([10]));
    // Audio: 20 ms packets (960 ticks at 48 kHz), numbered 1 by 1, across loops too.
    expect(audio.length).toBeGreaterThanOrEqual(50);
    expect(
      new Set(
        gaps(
          audio.map((packet) => packet.ts),
          2 ** 32,
        ),
      ),
    ).toEqual(new Set([960]));
    expect(
      new Set(
        gaps(
          audio.map((packet) => packet.seq),
          2 ** 16,
        ),
      ),
    ).toEqual(new Set([1]));
    expect(peer.stats.videoFrames).toBeGreaterThanOrEqual(frameStarts.length);
  }, 20_000);

  it('answers a keyframe request (PLI) with the next keyframe of the clip at once, timestamps still continuous', async () => {
    const peer = new DemoPeer(clip, { gone: () => undefined });
    const { receiver, video, requestKeyframe } = await connect(peer);
    const frames = () => [...new Set(video.map((packet) => packet.ts))];
    const isKey = (ts: number) => video.find((packet) => packet.ts === ts)?.keyStart ?? false;
    let before = 0;
    try {
      // Wait until mid-loop (the last frame a delta, the next keyframe 5+ frames away)...
      for (let waited = 0; waited < 10_000; waited += 10) {
        const seen = frames();
        const lastKey = seen.findLastIndex(isKey);
        if (lastKey >= 0 && seen.length - 1 - lastKey >= 1 && seen.length - 1 - lastKey <= 4) break;
        await wait(10);
      }
      before = frames().length;
      requestKeyframe();
      for (let waited = 0; frames().length < before + 3 && waited < 5000; waited += 20)
        await wait(20);
    } finally {
      await peer.close();
      await receiver.close();
    }
    // ...then a keyframe comes within 2 frames (one may have been on its way), not 5+ later.
    expect(
      frames()
        .slice(before, before + 2)
        .some(isKey),
    ).toBe(true);
    expect(peer.stats.keyframeRequests).toBe(1);
    expect(peer.stats.skippedMs).toBeGreaterThan(0);
    expect(new Set(gaps(frames(), 2 ** 32))).toEqual(new Set([3600]));
  }, 20_000);
});

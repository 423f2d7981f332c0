import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  useNACK,
  useOPUS,
  usePLI,
  useSdesMid,
  useVP8,
  Vp8Packetizer,
} from 'werift';

import { ClipSchedule, type ClipKind } from './clip-schedule';
import type { ClipFrame, DemoClip } from './demo-clip';

/** The pacing tick: one Opus packet's worth; video frames (40 ms) go out on the tick they fall in. */
const TICK_MS = 20;
const VIDEO_CLOCK_PER_MS = 90;
const AUDIO_CLOCK_PER_MS = 48;
const MAX_RTP_PAYLOAD = 1200;
const GATHER_TIMEOUT_MS = 5000;
/**
 * The SFU sends receiver reports every 0.5-1.5 s; none for this long means it is gone without a
 * word (its media worker died or restarted): faster than ICE consent expiry (30 s).
 */
export const RTCP_SILENCE_MS = 10_000;

export interface DemoPeerEvents {
  /** The connection to the SFU failed or closed (not by `close()`), or the SFU fell silent. */
  gone(reason: string): void;
}

/**
 * The demo stream's publisher: a werift peer that offers sendonly VP8 + Opus like a browser or
 * WHIP encoder would, and once connected sends the looping clip in real time. A keyframe request
 * (PLI) makes the clip jump to its next keyframe (a pre-encoded clip cannot make a new one).
 * Cheap by design: one 20 ms timer, frames packetized as they go out, no decoding or encoding.
 */
export class DemoPeer {
  readonly pc: RTCPeerConnection;
  readonly stats = { videoFrames: 0, audioPackets: 0, keyframeRequests: 0, skippedMs: 0 };
  private readonly video = new MediaStreamTrack({ kind: 'video' });
  private readonly audio = new MediaStreamTrack({ kind: 'audio' });
  private readonly packetizer = new Vp8Packetizer({
    payloadType: 96,
    ssrc: randomInt(1, 0xffffffff),
    maxPayloadSize: MAX_RTP_PAYLOAD,
  });
  private readonly audioSsrc = randomInt(1, 0xffffffff);
  private readonly videoBase = randomInt(0, 0xffffffff);
  private readonly audioBase = randomInt(0, 0xffffffff);
  private audioSequence = randomInt(0, 0xffff);
  private schedule?: ClipSchedule;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  private lastRtcpAt = 0;
  private closed = false;

  constructor(
    private readonly clip: DemoClip,
    private readonly events: DemoPeerEvents,
    hostAddresses: string[] = ['127.0.0.1'],
  ) {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: hostAddresses,
      iceUseIpv6: false,
      bundlePolicy: 'max-bundle',
      codecs: {
        audio: [useOPUS({ payloadType: 111 })],
        video: [useVP8({ payloadType: 96, rtcpFeedback: [useNACK(), usePLI()] })],
      },
      headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    });
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.start();
      else if ((state === 'failed' || state === 'closed') && !this.closed)
        this.events.gone(`connection ${state}`);
    });
  }

  /** The SDP offer (sendonly VP8 + Opus), with every candidate (non-trickle, like WHIP). */
  async offer(): Promise<string> {
    const video = this.pc.addTransceiver(this.video, { direction: 'sendonly' });
    this.pc.addTransceiver(this.audio, { direction: 'sendonly' });
    video.sender.onPictureLossIndication.subscribe(() => this.keyframeRequested());
    video.sender.onRtcp.subscribe(() => (this.lastRtcpAt = performance.now()));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gatheringComplete(this.pc);
    return this.pc.localDescription?.sdp ?? '';
  }

  async answer(sdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
  }

  get sending(): boolean {
    return this.timer !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pc.close();
  }

  private start(): void {
    if (this.timer || this.closed) return;
    this.startedAt = performance.now();
    this.lastRtcpAt = this.startedAt;
    this.schedule = new ClipSchedule(this.clip);
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.lastRtcpAt > RTCP_SILENCE_MS) {
      clearInterval(this.timer);
      this.timer = undefined;
      if (!this.closed) this.events.gone(`no RTCP from the SFU for ${RTCP_SILENCE_MS} ms`);
      return;
    }
    this.schedule?.due(now - this.startedAt, this.send);
  }

  private readonly send = (kind: ClipKind, frame: ClipFrame, playMs: number): void => {
    if (kind === 'video') {
      const timestamp = (this.videoBase + Math.round(playMs * VIDEO_CLOCK_PER_MS)) >>> 0;
      for (const packet of this.packetizer.packetize(frame.data, timestamp))
        this.video.writeRtp(packet);
      this.stats.videoFrames++;
      return;
    }
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: this.audioSequence,
      timestamp: (this.audioBase + Math.round(playMs * AUDIO_CLOCK_PER_MS)) >>> 0,
      ssrc: this.audioSsrc,
      marker: false,
    });
    this.audioSequence = (this.audioSequence + 1) & 0xffff;
    this.audio.writeRtp(new RtpPacket(header, frame.data));
    this.stats.audioPackets++;
  };

  private keyframeRequested(): void {
    this.stats.keyframeRequests++;
    this.stats.skippedMs += this.schedule?.skipToKeyframe() ?? 0;
  }
}

async function gatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      }
    });
  });
}

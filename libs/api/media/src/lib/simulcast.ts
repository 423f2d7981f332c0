import {
  RtcpTransportLayerFeedback,
  TransportWideCC,
  type RtcpPacket,
  type RTCRtpSender,
  type RtpPacket,
} from 'werift';

import { LayerAllocator, type FeedbackWindow } from './layer-allocator';
import type { VideoQuality } from './protocol';
import { keyframeStart } from './video-frames';

/** A layer counts as sent while a packet of it arrived within this time. */
const ACTIVE_MS = 1500;
/** A switch whose keyframe has not come after this long asks again. */
const KEYFRAME_RETRY_MS = 700;
/** RTP timestamp step (90 kHz) put between the last frame of one layer and the first of the next. */
const SWITCH_TIMESTAMP_STEP = 3000;

/** One video layer the publisher sends (a simulcast rid, or the single stream without simulcast). */
export class SourceLayer {
  ssrc?: number;
  width = 0;
  height = 0;
  framesPerSecond = 0;
  bitrateKbps = 0;
  lastPacketAt = 0;
  private bytes = 0;
  private frames = 0;
  private lastTimestamp?: number;
  private sampledAt = Date.now();

  constructor(
    readonly key: string,
    readonly rid: string | null,
    private readonly codec: () => string,
  ) {}

  /** A keyframe was asked for before the layer's first packet (its SSRC was not known yet). */
  keyframeWanted = false;

  get active(): boolean {
    return Date.now() - this.lastPacketAt < ACTIVE_MS;
  }

  /** Counts a packet; returns whether it starts a keyframe. */
  receive(rtp: RtpPacket): boolean {
    this.ssrc = rtp.header.ssrc;
    this.lastPacketAt = Date.now();
    this.bytes += rtp.payload.length + 12;
    if (rtp.header.timestamp !== this.lastTimestamp) {
      this.lastTimestamp = rtp.header.timestamp;
      this.frames++;
    }
    const keyframe = keyframeStart(this.codec(), rtp.payload);
    if (keyframe?.width && keyframe.height) {
      this.width = keyframe.width;
      this.height = keyframe.height;
    }
    return keyframe !== undefined;
  }

  /** Rates over the time since the last sample (the room samples every second). */
  sample(now: number): void {
    const seconds = (now - this.sampledAt) / 1000;
    if (seconds <= 0) return;
    this.bitrateKbps = Math.round((this.bytes * 8) / 1000 / seconds);
    this.framesPerSecond = Math.round((this.frames / seconds) * 10) / 10;
    this.bytes = 0;
    this.frames = 0;
    this.sampledAt = now;
  }
}

/**
 * One viewer's video: forwards one layer of the publisher's, switching only at a keyframe of the
 * new layer (asked for at once), with sequence numbers and timestamps kept continuous by werift's
 * sender (`replaceRTP`). The viewer's transport-wide feedback drives its allocator.
 */
export class VideoDownTrack {
  current?: SourceLayer;
  pending?: SourceLayer;
  switches = 0;
  readonly allocator: LayerAllocator;
  private pendingSince = 0;
  private reported = 0;
  private lost = 0;
  private sentOctets = 0;
  private windowStart = Date.now();

  constructor(
    readonly sender: RTCRtpSender,
    audioSender: RTCRtpSender | undefined,
    quality: VideoQuality,
    private readonly requestKeyframe: (layer: SourceLayer) => void,
  ) {
    this.allocator = new LayerAllocator(quality);
    const onRtcp = (rtcp: RtcpPacket) => {
      if (rtcp.type !== RtcpTransportLayerFeedback.type) return;
      const { feedback } = rtcp;
      if (!(feedback instanceof TransportWideCC)) return;
      this.reported += feedback.packetStatusCount;
      this.lost += Math.max(0, feedback.packetStatusCount - feedback.recvDeltas.length);
    };
    sender.onRtcp.subscribe(onRtcp);
    audioSender?.onRtcp.subscribe(onRtcp);
  }

  /** A packet of one of the publisher's layers (`keyframe`: it starts one). */
  forward(layer: SourceLayer, rtp: RtpPacket, keyframe: boolean): void {
    if (layer === this.pending && keyframe) {
      if (this.current) this.sender.replaceRTP(rtp.header, false, SWITCH_TIMESTAMP_STEP);
      this.current = layer;
      this.pending = undefined;
      this.switches++;
    }
    if (layer === this.current) {
      this.sentOctets += rtp.payload.length + 12;
      void this.sender.sendRtp(rtp).catch(() => undefined);
    }
  }

  /** Moves towards `layer` (at its next keyframe). */
  switchTo(layer: SourceLayer | undefined): void {
    if (!layer || layer === this.current) {
      this.pending = undefined;
      return;
    }
    if (layer === this.pending) {
      if (Date.now() - this.pendingSince > KEYFRAME_RETRY_MS) {
        this.pendingSince = Date.now();
        this.requestKeyframe(layer);
      }
      return;
    }
    this.pending = layer;
    this.pendingSince = Date.now();
    this.requestKeyframe(layer);
  }

  /** The feedback since the last call (what the allocator decides on). */
  takeWindow(): FeedbackWindow {
    const now = Date.now();
    const seconds = Math.max((now - this.windowStart) / 1000, 0.001);
    const window = {
      reported: this.reported,
      lost: this.lost,
      sentKbps: (this.sentOctets * 8) / 1000 / seconds,
    };
    this.reported = 0;
    this.lost = 0;
    this.sentOctets = 0;
    this.windowStart = now;
    return window;
  }
}

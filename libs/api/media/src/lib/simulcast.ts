import {
  RtcpTransportLayerFeedback,
  RtpHeader,
  TransportWideCC,
  type RtcpPacket,
  type RTCRtpSender,
  type RtpPacket,
} from 'werift';

import { FastRtpSender } from './fast-sender';
import { LayerAllocator, type FeedbackWindow } from './layer-allocator';
import type { VideoQuality } from './protocol';
import { feedbackArrivals, QueueDelay } from './queue-delay';
import { keyframeStart } from './video-frames';

/** A layer counts as sent while a packet of it arrived within this time. */
const ACTIVE_MS = 1500;
/** A switch whose keyframe has not come after this long asks again. */
const KEYFRAME_RETRY_MS = 700;
/** The longest a congested switch waits for the link's queue to drain before its keyframe. */
const MAX_DRAIN_MS = 1000;
/** How long before the queue has drained the keyframe of a congested switch is asked for. */
const KEYFRAME_LEAD_MS = 50;
/** RTP timestamp step (90 kHz) put between the last frame of one layer and the first of the next. */
const SWITCH_TIMESTAMP_STEP = 3000;
const TRANSPORT_CC_URI =
  'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';
/** Probing paces padding every 20 ms, in packets of at most 255 bytes (RTP padding's limit). */
const PROBE_TICK_MS = 20;
const PADDING_BYTES = 255;

/** The werift sender internals a probe uses (RTX stream, header extension ids, transport). */
interface SenderInternals {
  rtxSsrc: number;
  rtxPayloadType?: number;
  rtxSequenceNumber: number;
  headerExtensions: { id: number; uri: string }[];
  dtlsTransport?: {
    transportSequenceNumber: number;
    onRtcp: { subscribe(listener: (rtcp: RtcpPacket) => void): unknown };
    sendRtp(payload: Buffer, header: RtpHeader): Promise<number>;
  };
}

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

  /** What the source room last said of a relayed layer (its figures, sampled there). */
  private reportedActive?: boolean;

  get active(): boolean {
    return this.reportedActive !== false && Date.now() - this.lastPacketAt < ACTIVE_MS;
  }

  /** A relayed layer's figures, as the source room sampled them. */
  applyStats(stats: {
    width: number;
    height: number;
    fps: number;
    kbps: number;
    active: boolean;
  }): void {
    this.width = stats.width;
    this.height = stats.height;
    this.framesPerSecond = stats.fps;
    this.bitrateKbps = stats.kbps;
    this.reportedActive = stats.active;
  }

  /** A relayed packet arrived (the source parsed it; its figures come with layerStats). */
  receiveRelayed(): void {
    this.lastPacketAt = Date.now();
  }

  /** The layer stopped (its source is gone): inactive until packets and figures come again. */
  halt(): void {
    this.lastPacketAt = 0;
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
  /**
   * Moving down because the viewer's link is congested: the current layer stops at once rather
   * than at the new layer's keyframe, so that keyframe does not queue (and drop) behind it.
   */
  private holding = false;
  switches = 0;
  readonly allocator: LayerAllocator;
  private pendingSince = 0;
  /** A congested switch takes the new layer's keyframe only from then (the queue drained). */
  private keyframeAfter = 0;
  private drainTimer?: NodeJS.Timeout;
  private reported = 0;
  private lost = 0;
  private sentOctets = 0;
  private sentPackets = 0;
  /** Sequence numbers the viewer asked again for (NACK) in this window. */
  private readonly nacked = new Set<number>();
  private windowStart = Date.now();
  private probeTimer?: NodeJS.Timeout;
  private lastTimestamp = 0;
  private readonly fast: FastRtpSender;
  /** The queue our packets build on the way to the viewer (from its transport-wide feedback). */
  private readonly queue = new QueueDelay();

  constructor(
    readonly sender: RTCRtpSender,
    quality: VideoQuality,
    private readonly requestKeyframe: (layer: SourceLayer) => void,
  ) {
    this.allocator = new LayerAllocator(quality);
    this.fast = new FastRtpSender(sender);
    this.fast.onTransportSent = (sequence) => this.queue.sent(sequence, performance.now());
    // Every RTCP packet of the viewer's transport: its transport-wide feedback names the SSRC of
    // the last packet it got, which during a probe is our RTX stream (werift routes RTCP by SSRC
    // and would drop those), so it is read here, before routing.
    const transport = (sender as unknown as SenderInternals).dtlsTransport;
    transport?.onRtcp.subscribe((rtcp: RtcpPacket) => {
      if (rtcp.type !== RtcpTransportLayerFeedback.type) return;
      const { feedback } = rtcp;
      if (!(feedback instanceof TransportWideCC)) return;
      this.reported += feedback.packetStatusCount;
      this.lost += Math.max(0, feedback.packetStatusCount - feedback.recvDeltas.length);
      this.queue.feedback(feedbackArrivals(feedback), performance.now());
    });
    // werift retransmits with the original transport-wide sequence number, so a packet repaired
    // by NACK before the viewer's next feedback is reported as received: transport-wide feedback
    // alone misses random loss that NACK hides (at a cost in bandwidth and delay). What the
    // viewer NACKs is the other half of the loss signal.
    sender.onGenericNack.subscribe((nack) => {
      for (const seq of nack.lost) this.nacked.add(seq);
    });
  }

  /** A packet of one of the publisher's layers (`keyframe`: it starts one). */
  forward(layer: SourceLayer, rtp: RtpPacket, keyframe: boolean): void {
    if (layer === this.pending && keyframe && performance.now() >= this.keyframeAfter) {
      // Continues the viewer's sequence numbers and timestamps (also after a publisher restart,
      // when `current` was reset: the sender still numbers from the last packet it sent).
      this.sender.replaceRTP(rtp.header, false, SWITCH_TIMESTAMP_STEP);
      this.current = layer;
      this.pending = undefined;
      this.holding = false;
      this.switches++;
    }
    if (layer === this.current && !this.holding) {
      this.lastTimestamp = rtp.header.timestamp;
      this.sentOctets += rtp.payload.length + 12;
      this.sentPackets++;
      this.fast.send(rtp);
    }
  }

  /** Moves towards `layer` (at its next keyframe); `congested`: stop the current one now. */
  switchTo(layer: SourceLayer | undefined, congested = false): void {
    if (!layer || layer === this.current) {
      this.pending = undefined;
      this.holding = false;
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
      return;
    }
    if (layer === this.pending) {
      if (congested && this.current) this.holding = true;
      if (!this.drainTimer && Date.now() - this.pendingSince > KEYFRAME_RETRY_MS) {
        this.pendingSince = Date.now();
        this.requestKeyframe(layer);
      }
      return;
    }
    this.pending = layer;
    this.pendingSince = Date.now();
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    this.keyframeAfter = 0;
    const drainMs = Math.min(this.queue.latest(performance.now()), MAX_DRAIN_MS);
    if (congested && this.current) {
      this.holding = true;
      // Nothing more of the layer left goes out, repairs included (see `forgetHistory`).
      this.fast.forgetHistory();
      if (drainMs >= 20) {
        // The link's queue is full of the layer just stopped: a keyframe sent now queues behind
        // it and drops, and the viewer's NACKs (ten tries, an RTT apart) are spent before the
        // queue drains; the viewer then waits 3 s before it asks for another keyframe. So the
        // keyframe is asked for, and taken, once the queue has drained (and no repairs of the
        // layer left refill it meanwhile).
        const wait = Math.max(0, drainMs - KEYFRAME_LEAD_MS);
        this.keyframeAfter = performance.now() + wait;
        this.drainTimer = setTimeout(
          () => {
            this.drainTimer = undefined;
            if (this.pending !== layer) return;
            this.pendingSince = Date.now();
            this.requestKeyframe(layer);
          },
          // The publisher's keyframe takes a moment to come: asked a little before the end.
          wait,
        );
        this.drainTimer.unref();
        return;
      }
    }
    this.requestKeyframe(layer);
  }

  /**
   * Fills the viewer's link up to `kbps` with padding-only RTX packets (carrying transport-wide
   * sequence numbers, so the feedback tells whether the link carries that rate), or stops (0).
   * Padding is dropped by the receiver: a failed probe costs no picture.
   */
  probe(kbps: number): void {
    if (kbps <= 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      return;
    }
    this.probeKbps = kbps;
    if (this.probeTimer) return;
    let credit = 0;
    this.probeTimer = setInterval(() => {
      const extraKbps = this.probeKbps - (this.current?.bitrateKbps ?? 0);
      credit += (Math.max(0, extraKbps) * 1000 * PROBE_TICK_MS) / 8 / 1000;
      while (credit >= PADDING_BYTES) {
        credit -= PADDING_BYTES;
        if (!this.sendPadding(PADDING_BYTES)) {
          credit = 0;
          break;
        }
      }
    }, PROBE_TICK_MS);
    this.probeTimer.unref();
  }

  stop(): void {
    this.probe(0);
    clearTimeout(this.drainTimer);
  }

  private probeKbps = 0;

  private sendPadding(size: number): boolean {
    const sender = this.sender as unknown as SenderInternals;
    const transport = sender.dtlsTransport;
    const extension = sender.headerExtensions.find((e) => e.uri === TRANSPORT_CC_URI);
    if (sender.rtxPayloadType === undefined || !extension || !transport) return false;
    sender.rtxSequenceNumber = (sender.rtxSequenceNumber + 1) & 0xffff;
    this.sentPackets++;
    // Our own path first (a padding packet through werift's sendRtp cost as much as a forwarded
    // one did: a probing viewer sends ~250 a second).
    const fast = this.fast.padding({
      ssrc: sender.rtxSsrc,
      payloadType: sender.rtxPayloadType,
      sequenceNumber: sender.rtxSequenceNumber,
      timestamp: this.lastTimestamp,
      size,
      transportCcId: extension.id,
    });
    if (fast !== undefined) {
      this.queue.sent(fast, performance.now());
      return true;
    }
    transport.transportSequenceNumber = (transport.transportSequenceNumber + 1) & 0xffff;
    const sequence = Buffer.alloc(2);
    sequence.writeUInt16BE(transport.transportSequenceNumber);
    const header = new RtpHeader({
      padding: true,
      paddingSize: size,
      payloadType: sender.rtxPayloadType,
      ssrc: sender.rtxSsrc,
      sequenceNumber: sender.rtxSequenceNumber,
      timestamp: this.lastTimestamp,
      extensions: [{ id: extension.id, payload: sequence }],
    });
    const payload = Buffer.alloc(size);
    payload[size - 1] = size;
    this.queue.sent(transport.transportSequenceNumber, performance.now());
    void transport.sendRtp(payload, header).catch(() => undefined);
    return true;
  }

  /** The feedback since the last call (what the allocator decides on). */
  takeWindow(): FeedbackWindow {
    const now = Date.now();
    const seconds = Math.max((now - this.windowStart) / 1000, 0.001);
    const packets = Math.max(this.reported, this.sentPackets);
    const window = {
      reported: packets,
      lost: Math.min(packets, this.lost),
      nacked: Math.min(packets, this.nacked.size),
      sentKbps: (this.sentOctets * 8) / 1000 / seconds,
      queueMs: this.queue.take(),
    };
    this.reported = 0;
    this.lost = 0;
    this.sentOctets = 0;
    this.sentPackets = 0;
    this.nacked.clear();
    this.windowStart = now;
    return window;
  }
}

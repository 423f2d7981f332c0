/**
 * RTP to media frames for packaging (LL-HLS, recordings, clips): H.264 access units (RFC 6184,
 * packetization mode 1: single NAL units, STAP-A, FU-A), VP8 frames (RFC 7741) and Opus packets
 * (RFC 7587). A frame with a missing
 * packet is dropped, and video waits for the next keyframe (asked for through `onLoss`).
 */

export interface H264Frame {
  /** RTP timestamp (90 kHz), unwrapped. */
  timestamp: number;
  ssrc: number;
  keyframe: boolean;
  /** NAL units of the picture, without start codes, parameter sets and delimiters removed. */
  nalUnits: Uint8Array[];
  /** Parameter sets this access unit carried (a keyframe's). */
  sps?: Uint8Array;
  pps?: Uint8Array;
}

const NAL_IDR = 5;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;
const STAP_A = 24;
const FU_A = 28;

interface RtpView {
  marker: boolean;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/** The fields of an RTP packet packaging needs (RFC 3550), without copying the payload. */
export function parseRtp(packet: Uint8Array): RtpView | undefined {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const csrcs = packet[0] & 0x0f;
  let offset = 12 + csrcs * 4;
  if (packet[0] & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = packet.length;
  if (packet[0] & 0x20) end -= packet[end - 1];
  if (end < offset) return undefined;
  return {
    marker: (packet[1] & 0x80) !== 0,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: packet.subarray(offset, end),
  };
}

/** Unwraps a 32-bit RTP timestamp into a monotonic-ish number. */
export class TimestampUnwrapper {
  private last?: number;
  private cycles = 0;

  unwrap(timestamp: number): number {
    if (this.last !== undefined) {
      const delta = timestamp - this.last;
      if (delta < -0x80000000) this.cycles++;
      else if (delta > 0x80000000) this.cycles--;
    }
    this.last = timestamp;
    return timestamp + this.cycles * 0x100000000;
  }
}

/**
 * What both depacketizers share: one source's packets, in sequence order, grouped into frames by
 * timestamp (a marker bit ends one); a missing packet breaks the frame it falls in; a new source
 * (the publisher reconnected) starts a new timeline from its first keyframe.
 */
abstract class FrameAssembler<Frame extends { timestamp: number; broken: boolean }> {
  protected ssrc?: number;
  protected current?: Frame;
  protected waitingForKeyframe = true;
  private unwrapper = new TimestampUnwrapper();
  private expectedSequence?: number;

  /** The frame a packet of a new timestamp starts. */
  protected abstract begin(timestamp: number, rtp: RtpView): Frame;
  /** Adds a packet's payload to the current frame. */
  protected abstract take(rtp: RtpView): void;
  /** Hands the current frame on (or drops it, broken) and clears it. */
  protected abstract finish(): void;
  /** Clears what a subclass keeps between packets, for a new source. */
  protected resetSource(): void {
    // Nothing beyond the shared state by default.
  }

  push(packet: Uint8Array): void {
    const rtp = parseRtp(packet);
    if (!rtp || rtp.payload.length === 0) return;
    if (rtp.ssrc !== this.ssrc) {
      this.ssrc = rtp.ssrc;
      this.unwrapper = new TimestampUnwrapper();
      this.current = undefined;
      this.expectedSequence = undefined;
      this.waitingForKeyframe = true;
      this.resetSource();
    }
    if (this.expectedSequence !== undefined) {
      const delta = (rtp.sequence - this.expectedSequence) & 0xffff;
      if (delta >= 0x8000) return; // late or duplicate: its frame is already done
      if (delta > 0 && this.current) this.current.broken = true;
    }
    this.expectedSequence = (rtp.sequence + 1) & 0xffff;
    const timestamp = this.unwrapper.unwrap(rtp.timestamp);
    if (this.current && this.current.timestamp !== timestamp) this.finish();
    this.current ??= this.begin(timestamp, rtp);
    this.take(rtp);
    if (rtp.marker) this.finish();
  }
}

interface H264Picture {
  timestamp: number;
  nalUnits: Uint8Array[];
  broken: boolean;
}

export class H264Depacketizer extends FrameAssembler<H264Picture> {
  private fragment?: Uint8Array[];

  constructor(
    private readonly onFrame: (frame: H264Frame) => void,
    private readonly onLoss: () => void = () => undefined,
  ) {
    super();
  }

  protected override resetSource(): void {
    this.fragment = undefined;
  }

  protected begin(timestamp: number): H264Picture {
    this.fragment = undefined;
    return { timestamp, nalUnits: [], broken: false };
  }

  protected take(rtp: RtpView): void {
    const current = this.current;
    if (!current) return;
    const payload = rtp.payload;
    const type = payload[0] & 0x1f;
    if (type >= 1 && type <= 23) {
      current.nalUnits.push(payload);
    } else if (type === STAP_A) {
      for (let offset = 1; offset + 2 <= payload.length;) {
        const size = (payload[offset] << 8) | payload[offset + 1];
        offset += 2;
        if (size === 0 || offset + size > payload.length) {
          current.broken = true;
          return;
        }
        current.nalUnits.push(payload.subarray(offset, offset + size));
        offset += size;
      }
    } else if (type === FU_A) {
      if (payload.length < 3) return;
      const header = payload[1];
      const start = (header & 0x80) !== 0;
      const end = (header & 0x40) !== 0;
      if (start) this.fragment = [Uint8Array.of((payload[0] & 0xe0) | (header & 0x1f))];
      if (!this.fragment) {
        current.broken = true; // the fragment's start was lost
        return;
      }
      this.fragment.push(payload.subarray(2));
      if (end) {
        const parts = this.fragment;
        this.fragment = undefined;
        let length = 0;
        for (const part of parts) length += part.length;
        const nal = new Uint8Array(length);
        let offset = 0;
        for (const part of parts) {
          nal.set(part, offset);
          offset += part.length;
        }
        current.nalUnits.push(nal);
      }
    }
  }

  protected finish(): void {
    const current = this.current;
    this.current = undefined;
    if (!current || current.nalUnits.length === 0) return;
    if (current.broken || this.fragment) {
      this.fragment = undefined;
      if (!this.waitingForKeyframe) this.onLoss();
      this.waitingForKeyframe = true;
      return;
    }
    const frame: H264Frame = {
      timestamp: current.timestamp,
      ssrc: this.ssrc ?? 0,
      keyframe: false,
      nalUnits: [],
    };
    for (const nal of current.nalUnits) {
      const type = nal[0] & 0x1f;
      if (type === NAL_SPS) frame.sps = nal;
      else if (type === NAL_PPS) frame.pps = nal;
      else if (type !== NAL_AUD) {
        if (type === NAL_IDR) frame.keyframe = true;
        frame.nalUnits.push(nal);
      }
    }
    if (frame.nalUnits.length === 0) return;
    if (this.waitingForKeyframe) {
      if (!frame.keyframe) return;
      this.waitingForKeyframe = false;
    }
    this.onFrame(frame);
  }
}

export interface Vp8Frame {
  /** RTP timestamp (90 kHz), unwrapped. */
  timestamp: number;
  ssrc: number;
  keyframe: boolean;
  /** The VP8 frame (every partition), as a decoder and an MP4 or WebM sample take it. */
  data: Uint8Array;
  /** A keyframe's size, from its frame header. */
  width?: number;
  height?: number;
}

/** Where the VP8 payload starts after the RFC 7741 payload descriptor (-1: truncated). */
function vp8PayloadOffset(payload: Uint8Array): number {
  let offset = 1;
  if (payload[0] & 0x80) {
    if (payload.length < 2) return -1;
    const flags = payload[1];
    offset = 2;
    if (flags & 0x80) {
      if (payload.length < 3) return -1;
      offset += payload[2] & 0x80 ? 2 : 1; // PictureID, 15 or 7 bits
    }
    if (flags & 0x40) offset += 1; // TL0PICIDX
    if (flags & 0x30) offset += 1; // TID / KEYIDX
  }
  return offset < payload.length ? offset : -1;
}

/**
 * VP8 frames from RTP (RFC 7741): packets of one timestamp, from the one that starts partition 0
 * (S=1, PID=0) to the marker bit, payload descriptors removed. A frame with a missing or broken
 * packet is dropped, and frames are skipped until the next keyframe (asked for through `onLoss`),
 * as `H264Depacketizer` does.
 */
interface Vp8Picture {
  timestamp: number;
  parts: Uint8Array[];
  broken: boolean;
}

export class Vp8Depacketizer extends FrameAssembler<Vp8Picture> {
  constructor(
    private readonly onFrame: (frame: Vp8Frame) => void,
    private readonly onLoss: () => void = () => undefined,
  ) {
    super();
  }

  /** A frame begins with the packet that starts partition 0 (S=1, PID=0); else it is broken. */
  protected begin(timestamp: number, rtp: RtpView): Vp8Picture {
    const starts = (rtp.payload[0] & 0x10) !== 0 && (rtp.payload[0] & 0x07) === 0;
    return { timestamp, parts: [], broken: !starts };
  }

  protected take(rtp: RtpView): void {
    const current = this.current;
    if (!current) return;
    const offset = vp8PayloadOffset(rtp.payload);
    if (offset < 0) current.broken = true;
    else current.parts.push(rtp.payload.subarray(offset));
  }

  protected finish(): void {
    const current = this.current;
    this.current = undefined;
    if (!current || current.parts.length === 0) return;
    if (current.broken) {
      if (!this.waitingForKeyframe) this.onLoss();
      this.waitingForKeyframe = true;
      return;
    }
    let length = 0;
    for (const part of current.parts) length += part.length;
    const data = new Uint8Array(length);
    let at = 0;
    for (const part of current.parts) {
      data.set(part, at);
      at += part.length;
    }
    // Frame tag: bit 0 is the inverse keyframe flag; a keyframe's header then gives its size.
    const keyframe = (data[0] & 0x01) === 0;
    if (this.waitingForKeyframe) {
      if (!keyframe) return;
      this.waitingForKeyframe = false;
    }
    const frame: Vp8Frame = { timestamp: current.timestamp, ssrc: this.ssrc ?? 0, keyframe, data };
    if (keyframe && data.length >= 10 && data[3] === 0x9d && data[4] === 0x01 && data[5] === 0x2a) {
      frame.width = (data[6] | (data[7] << 8)) & 0x3fff;
      frame.height = (data[8] | (data[9] << 8)) & 0x3fff;
    }
    this.onFrame(frame);
  }
}

/** Samples (48 kHz) of an Opus packet, from its TOC byte (RFC 6716, section 3.1). */
export function opusPacketSamples(packet: Uint8Array): number {
  if (packet.length === 0) return 960;
  const config = packet[0] >> 3;
  let frameSamples: number;
  if (config < 12) frameSamples = [480, 960, 1920, 2880][config % 4];
  else if (config < 16) frameSamples = config % 2 === 0 ? 480 : 960;
  else frameSamples = [120, 240, 480, 960][config % 4];
  const code = packet[0] & 0x03;
  const frames = code === 0 ? 1 : code === 3 ? (packet[1] ?? 1) & 0x3f : 2;
  return frameSamples * Math.max(1, frames);
}

/** Length-prefixed (4 bytes) NAL units: an MP4 sample of video. */
export function avccSample(nalUnits: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const nal of nalUnits) length += 4 + nal.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const nal of nalUnits) {
    view.setUint32(offset, nal.length);
    out.set(nal, offset + 4);
    offset += 4 + nal.length;
  }
  return out;
}

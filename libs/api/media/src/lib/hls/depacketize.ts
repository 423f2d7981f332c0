/**
 * RTP to media frames for packaging (LL-HLS, clips): H.264 access units (RFC 6184, packetization
 * mode 1: single NAL units, STAP-A, FU-A) and Opus packets (RFC 7587). A frame with a missing
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

export class H264Depacketizer {
  private ssrc?: number;
  private unwrapper = new TimestampUnwrapper();
  private current?: {
    timestamp: number;
    nextSequence: number;
    nalUnits: Uint8Array[];
    broken: boolean;
  };
  private fragment?: Uint8Array[];
  private expectedSequence?: number;
  private waitingForKeyframe = true;

  constructor(
    private readonly onFrame: (frame: H264Frame) => void,
    private readonly onLoss: () => void = () => undefined,
  ) {}

  push(packet: Uint8Array): void {
    const rtp = parseRtp(packet);
    if (!rtp || rtp.payload.length === 0) return;
    if (rtp.ssrc !== this.ssrc) {
      // A new source (the publisher reconnected): a new timeline, from its first keyframe.
      this.ssrc = rtp.ssrc;
      this.unwrapper = new TimestampUnwrapper();
      this.current = undefined;
      this.fragment = undefined;
      this.expectedSequence = undefined;
      this.waitingForKeyframe = true;
    }
    if (this.expectedSequence !== undefined) {
      const delta = (rtp.sequence - this.expectedSequence) & 0xffff;
      if (delta >= 0x8000) return; // late or duplicate: its frame is already done
      if (delta > 0 && this.current) this.current.broken = true;
    }
    this.expectedSequence = (rtp.sequence + 1) & 0xffff;
    const timestamp = this.unwrapper.unwrap(rtp.timestamp);
    if (this.current && this.current.timestamp !== timestamp) this.finish();
    if (!this.current) {
      this.current = { timestamp, nextSequence: rtp.sequence, nalUnits: [], broken: false };
      this.fragment = undefined;
    }
    this.take(rtp.payload);
    if (rtp.marker) this.finish();
  }

  private take(payload: Uint8Array): void {
    const current = this.current;
    if (!current) return;
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

  private finish(): void {
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

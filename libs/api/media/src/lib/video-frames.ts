/**
 * What the SFU reads of the video it forwards, from RTP payloads alone: whether a packet starts a
 * keyframe (a layer switch may only happen there) and the frame size a keyframe declares (VP8
 * frame header, H.264 SPS). No decoding.
 */

export interface KeyframeInfo {
  /** Width and height when the packet carries them (VP8 keyframe header, H.264 SPS). */
  width?: number;
  height?: number;
}

/** The keyframe this packet starts (undefined when it starts none). */
export function keyframeStart(codec: string, payload: Buffer): KeyframeInfo | undefined {
  const name = codec.toLowerCase();
  if (name.endsWith('vp8')) return vp8KeyframeStart(payload);
  if (name.endsWith('h264')) return h264KeyframeStart(payload);
  return undefined;
}

/** RFC 7741: payload descriptor, then (at a partition start) the VP8 frame header. */
export function vp8KeyframeStart(payload: Buffer): KeyframeInfo | undefined {
  if (payload.length < 1) return undefined;
  const first = payload[0];
  const extended = (first & 0x80) !== 0;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  if (!start || partition !== 0) return undefined;
  let offset = 1;
  if (extended) {
    if (payload.length < 2) return undefined;
    const flags = payload[1];
    offset = 2;
    if (flags & 0x80) offset += payload[offset] & 0x80 ? 2 : 1; // PictureID (7 or 15 bits)
    if (flags & 0x40) offset += 1; // TL0PICIDX
    if (flags & 0x30) offset += 1; // TID/KEYIDX
  }
  if (payload.length < offset + 1) return undefined;
  // Frame tag: bit 0 is the inverse key frame flag.
  if ((payload[offset] & 0x01) !== 0) return undefined;
  const header = offset + 3;
  if (
    payload.length >= header + 7 &&
    payload[header] === 0x9d &&
    payload[header + 1] === 0x01 &&
    payload[header + 2] === 0x2a
  ) {
    return {
      width: payload.readUInt16LE(header + 3) & 0x3fff,
      height: payload.readUInt16LE(header + 5) & 0x3fff,
    };
  }
  return {};
}

const NAL_IDR = 5;
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

/** RFC 6184: single NAL unit, STAP-A or FU-A start; a keyframe begins with an SPS or an IDR slice. */
export function h264KeyframeStart(payload: Buffer): KeyframeInfo | undefined {
  if (payload.length < 1) return undefined;
  const type = payload[0] & 0x1f;
  if (type === STAP_A) {
    let offset = 1;
    let found: KeyframeInfo | undefined;
    while (offset + 2 < payload.length) {
      const size = payload.readUInt16BE(offset);
      const nal = payload.subarray(offset + 2, offset + 2 + size);
      offset += 2 + size;
      if (nal.length === 0) break;
      const nalType = nal[0] & 0x1f;
      if (nalType === NAL_SPS) found = { ...found, ...spsDimensions(nal) };
      else if (nalType === NAL_IDR) found ??= {};
    }
    return found;
  }
  if (type === FU_A) {
    if (payload.length < 2) return undefined;
    const startBit = (payload[1] & 0x80) !== 0;
    return startBit && (payload[1] & 0x1f) === NAL_IDR ? {} : undefined;
  }
  if (type === NAL_SPS) return spsDimensions(payload);
  if (type === NAL_IDR) return {};
  return undefined;
}

/** The picture size of an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1), cropping applied. */
export function spsDimensions(nal: Buffer): KeyframeInfo {
  try {
    const bits = new BitReader(unescapeRbsp(nal.subarray(1)));
    const profile = bits.u(8);
    bits.u(8); // constraint flags
    bits.u(8); // level
    bits.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
      chromaFormat = bits.ue();
      if (chromaFormat === 3) bits.u(1);
      bits.ue(); // bit_depth_luma
      bits.ue(); // bit_depth_chroma
      bits.u(1); // qpprime_y_zero_transform_bypass
      if (bits.u(1)) {
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) {
          if (bits.u(1)) skipScalingList(bits, i < 6 ? 16 : 64);
        }
      }
    }
    bits.ue(); // log2_max_frame_num_minus4
    const pocType = bits.ue();
    if (pocType === 0) bits.ue();
    else if (pocType === 1) {
      bits.u(1);
      bits.se();
      bits.se();
      const cycle = bits.ue();
      for (let i = 0; i < cycle; i++) bits.se();
    }
    bits.ue(); // max_num_ref_frames
    bits.u(1); // gaps_in_frame_num_allowed
    const widthMbs = bits.ue() + 1;
    const heightMapUnits = bits.ue() + 1;
    const frameMbsOnly = bits.u(1);
    if (!frameMbsOnly) bits.u(1);
    bits.u(1); // direct_8x8_inference
    let [left, right, top, bottom] = [0, 0, 0, 0];
    if (bits.u(1)) [left, right, top, bottom] = [bits.ue(), bits.ue(), bits.ue(), bits.ue()];
    const cropX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
    const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
    return {
      width: widthMbs * 16 - cropX * (left + right),
      height: (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (top + bottom),
    };
  } catch {
    return {};
  }
}

function skipScalingList(bits: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Removes emulation prevention bytes (00 00 03 -> 00 00). */
function unescapeRbsp(data: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if (i >= 2 && data[i] === 3 && data[i - 1] === 0 && data[i - 2] === 0) continue;
    out.push(data[i]);
  }
  return Buffer.from(out);
}

class BitReader {
  private position = 0;
  constructor(private readonly data: Buffer) {}

  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.data[this.position >> 3];
      if (byte === undefined) throw new RangeError('end of SPS');
      value = value * 2 + ((byte >> (7 - (this.position & 7))) & 1);
      this.position++;
    }
    return value;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      zeros++;
      if (zeros > 31) throw new RangeError('bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

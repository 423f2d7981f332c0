/**
 * CMAF fragmented MP4 (ISO/IEC 14496-12, 23000-19): an init segment (ftyp + moov) per rendition
 * and fragments (moof + mdat) of H.264 (or, for recordings, VP8) video and Opus audio, as LL-HLS
 * parts and the live recording carry them: the one muxer of the packaging path. Written
 * here rather than with a muxer library: mediabunny (our recording's remuxer) starts a fragment
 * only where every track has a keyframe, and LL-HLS parts are 0.3-0.5 s slices of a 2 s GOP.
 */

export const VIDEO_TRACK_ID = 1;
export const AUDIO_TRACK_ID = 2;
export const VIDEO_TIMESCALE = 90_000;
export const AUDIO_TIMESCALE = 48_000;

export interface VideoTrackInfo {
  /** H.264 ('avc1', the default) or VP8 ('vp08', ISO BMFF binding of the VP codecs). */
  codec?: 'avc1' | 'vp08';
  width: number;
  height: number;
  /** H.264's sequence and picture parameter sets (NAL units without start codes); none for VP8. */
  sps: Uint8Array[];
  pps: Uint8Array[];
}

export interface AudioTrackInfo {
  channels: number;
}

export interface Sample {
  /** Decode time in the track's timescale (no B-frames over WebRTC: also the presentation time). */
  dts: number;
  duration: number;
  keyframe: boolean;
  /** H.264: length-prefixed (4 bytes) NAL units; VP8: the frame; audio: one Opus packet. */
  data: Uint8Array;
}

export interface TrackRun {
  trackId: number;
  samples: Sample[];
}

function u8(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff);
}

function u16(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function u64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(value))));
  return out;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function zeros(length: number): Uint8Array {
  return new Uint8Array(length);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(payload);
  return concat([u32(body.length + 8), ascii(type), body]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]) {
  return box(type, u8(version), u8(flags >> 16), u16(flags & 0xffff), ...payload);
}

const MATRIX = concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map((v) => u32(v)));

/** RFC 6381 codec string of an H.264 stream from its SPS: avc1.PPCCLL. */
export function avcCodecString(sps: Uint8Array): string {
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  return `avc1.${hex(sps[1] ?? 0x42)}${hex(sps[2] ?? 0xe0)}${hex(sps[3] ?? 0x1f)}`;
}

function avcC(video: VideoTrackInfo): Uint8Array {
  const sps = video.sps[0];
  return box(
    'avcC',
    u8(1),
    u8(sps[1]),
    u8(sps[2]),
    u8(sps[3]),
    u8(0xff), // 4-byte NAL lengths
    u8(0xe0 | video.sps.length),
    ...video.sps.flatMap((nal) => [u16(nal.length), nal]),
    u8(video.pps.length),
    ...video.pps.flatMap((nal) => [u16(nal.length), nal]),
  );
}

/**
 * VP Codec ISO Media File Format Binding, 'vpcC' (version 1): VP8 is profile 0, 8 bits, 4:2:0
 * (colocated with luma), limited range, BT.709 colour, no initialization data.
 */
function vpcC(): Uint8Array {
  return fullBox('vpcC', 1, 0, u8(0), u8(10), u8((8 << 4) | (1 << 1)), u8(1), u8(1), u8(1), u16(0));
}

function videoSampleEntry(video: VideoTrackInfo): Uint8Array {
  const vp8 = video.codec === 'vp08';
  return box(
    vp8 ? 'vp08' : 'avc1',
    zeros(6),
    u16(1), // data reference index
    zeros(16), // pre_defined, reserved
    u16(video.width),
    u16(video.height),
    u32(0x00480000), // 72 dpi
    u32(0x00480000),
    u32(0),
    u16(1), // frame count
    zeros(32), // compressor name
    u16(0x0018),
    u16(0xffff),
    vp8 ? vpcC() : avcC(video),
  );
}

/** Opus in ISO BMFF (the Opus-in-MP4 encapsulation spec): 'Opus' entry with a dOps box. */
function audioSampleEntry(audio: AudioTrackInfo): Uint8Array {
  return box(
    'Opus',
    zeros(6),
    u16(1),
    zeros(8),
    u16(audio.channels),
    u16(16),
    zeros(4),
    u32(AUDIO_TIMESCALE << 16),
    box('dOps', u8(0), u8(audio.channels), u16(312), u32(48_000), u16(0), u8(0)),
  );
}

function trak(
  trackId: number,
  kind: 'video' | 'audio',
  timescale: number,
  sampleEntry: Uint8Array,
  size: { width: number; height: number },
): Uint8Array {
  const tkhd = fullBox(
    'tkhd',
    0,
    3, // enabled, in movie
    u32(0),
    u32(0),
    u32(trackId),
    u32(0),
    u32(0), // duration
    zeros(8),
    u16(0), // layer
    u16(0), // alternate group
    u16(kind === 'audio' ? 0x0100 : 0),
    u16(0),
    MATRIX,
    u32(size.width << 16),
    u32(size.height << 16),
  );
  const mdhd = fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u16(0x55c4), u16(0));
  const hdlr = fullBox(
    'hdlr',
    0,
    0,
    u32(0),
    ascii(kind === 'video' ? 'vide' : 'soun'),
    zeros(12),
    ascii(kind === 'video' ? 'VideoHandler\0' : 'SoundHandler\0'),
  );
  const header =
    kind === 'video' ? fullBox('vmhd', 0, 1, zeros(8)) : fullBox('smhd', 0, 0, zeros(4));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  return box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', header, dinf, stbl)));
}

/** ftyp + moov of a rendition: its video layer and (when there is one) the stream's audio. */
export function initSegment(video: VideoTrackInfo, audio?: AudioTrackInfo): Uint8Array {
  const ftyp = box('ftyp', ascii('iso6'), u32(0), ascii('iso6'), ascii('cmfc'), ascii('mp41'));
  const trex = (trackId: number) =>
    fullBox('trex', 0, 0, u32(trackId), u32(1), u32(0), u32(0), u32(0));
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32(0),
    u32(0),
    u32(1000),
    u32(0),
    u32(0x00010000), // rate 1.0
    u16(0x0100), // volume 1.0
    zeros(10),
    MATRIX,
    zeros(24),
    u32(audio ? AUDIO_TRACK_ID + 1 : VIDEO_TRACK_ID + 1),
  );
  const traks = [
    trak(VIDEO_TRACK_ID, 'video', VIDEO_TIMESCALE, videoSampleEntry(video), video),
    ...(audio
      ? [
          trak(AUDIO_TRACK_ID, 'audio', AUDIO_TIMESCALE, audioSampleEntry(audio), {
            width: 0,
            height: 0,
          }),
        ]
      : []),
  ];
  const mvex = box('mvex', trex(VIDEO_TRACK_ID), ...(audio ? [trex(AUDIO_TRACK_ID)] : []));
  return concat([ftyp, box('moov', mvhd, ...traks, mvex)]);
}

const SYNC_SAMPLE = 0x02000000; // sample_depends_on = 2 (depends on no other)
const NON_SYNC_SAMPLE = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample

/** One fragment (moof + mdat) holding runs of samples of one or more tracks. */
export function fragment(sequence: number, runs: readonly TrackRun[]): Uint8Array {
  const present = runs.filter((run) => run.samples.length > 0);
  // The data offsets depend on the moof's size, which does not depend on them: build it twice.
  const build = (dataOffsets: number[]) =>
    box(
      'moof',
      fullBox('mfhd', 0, 0, u32(sequence)),
      ...present.map((run, index) =>
        box(
          'traf',
          fullBox('tfhd', 0, 0x020000, u32(run.trackId)), // default-base-is-moof
          fullBox('tfdt', 1, 0, u64(run.samples[0].dts)),
          fullBox(
            'trun',
            0,
            0x000001 | 0x000100 | 0x000200 | 0x000400,
            u32(run.samples.length),
            u32(dataOffsets[index] ?? 0),
            ...run.samples.flatMap((sample) => [
              u32(sample.duration),
              u32(sample.data.length),
              u32(sample.keyframe ? SYNC_SAMPLE : NON_SYNC_SAMPLE),
            ]),
          ),
        ),
      ),
    );
  const moofSize = build([]).length;
  const offsets: number[] = [];
  let offset = moofSize + 8;
  for (const run of present) {
    offsets.push(offset);
    for (const sample of run.samples) offset += sample.data.length;
  }
  const moof = build(offsets);
  const mdat = box('mdat', ...present.flatMap((run) => run.samples.map((sample) => sample.data)));
  return concat([moof, mdat]);
}

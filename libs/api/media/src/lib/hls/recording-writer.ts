import {
  closeSync,
  createWriteStream,
  existsSync,
  openSync,
  readSync,
  statSync,
  truncateSync,
  type WriteStream,
} from 'node:fs';

import { opusPacketSamples, TimestampUnwrapper } from './depacketize';
import {
  AUDIO_TIMESCALE,
  AUDIO_TRACK_ID,
  fragment,
  initSegment,
  VIDEO_TIMESCALE,
  VIDEO_TRACK_ID,
  type Sample,
  type VideoTrackInfo,
} from './fmp4';

/** A fragment is cut once it holds this much video (90 kHz). */
const FRAGMENT_MIN = VIDEO_TIMESCALE;
/** The last frame's duration, unknown when the recording stops: one frame at 30 fps. */
const LAST_FRAME_DURATION = VIDEO_TIMESCALE / 30;

/**
 * The live recording of a stream as a fragmented MP4 file, written with the same CMAF writer as
 * the LL-HLS parts (`fmp4.ts`): H.264 or VP8 video and Opus audio, appended fragment by fragment
 * (one a second) so memory stays flat and a crash loses at most the last second. The video's time is
 * its RTP timestamps' (made continuous by the caller across publisher restarts and layer
 * switches); audio is placed against it by arrival time once, then follows its own timestamps.
 */
/** What a live recording file left by a node that died holds, read back to go on writing it. */
export interface RecordingTail {
  /** Bytes of whole boxes (a fragment cut by the crash is dropped). */
  size: number;
  codec: 'avc1' | 'vp08';
  hasAudio: boolean;
  /** The next fragment's sequence number. */
  sequence: number;
  /** Where each track's media ends, in its timescale. */
  videoEnd: number;
  audioEnd: number;
  /** When the file was last written (ms): the gap to now is the time the stream was away. */
  modifiedAt: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** The children of a box's payload: [type, start, end] of each whole box. */
function children(data: Buffer, start: number, end: number): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let at = start; at + 8 <= end;) {
    const size = data.readUInt32BE(at);
    if (size < 8 || at + size > end) break;
    out.push([data.toString('latin1', at + 4, at + 8), at + 8, at + size]);
    at += size;
  }
  return out;
}

/**
 * Reads back a live recording written by `RecordingWriter` (its init segment, then moof + mdat
 * fragments), box headers only but for the moov and each moof: where its media ends and how to
 * go on. Undefined when it is not one (or has no fragment yet).
 */
export function readRecordingTail(path: string): RecordingTail | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r');
  try {
    const total = statSync(path).size;
    let at = 0;
    let complete = 0;
    let moov: Buffer | undefined;
    let sequence = 0;
    let videoEnd = 0;
    let audioEnd = 0;
    // A fragment counts once its mdat is whole too.
    let pending = { sequence: 0, videoEnd: 0, audioEnd: 0 };
    while (at + 8 <= total) {
      const header = readAt(fd, at, 8);
      const size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (size < 8 || at + size > total) break;
      if (type === 'moov') moov = readAt(fd, at, size);
      else if (type === 'moof') {
        const moof = readAt(fd, at, size);
        pending = { sequence, videoEnd, audioEnd };
        for (const [childType, start, end] of children(moof, 8, size)) {
          if (childType === 'mfhd') pending.sequence = moof.readUInt32BE(start + 4);
          if (childType !== 'traf') continue;
          let trackId = 0;
          let base = 0;
          let duration = 0;
          for (const [boxType, from] of children(moof, start, end)) {
            if (boxType === 'tfhd') trackId = moof.readUInt32BE(from + 4);
            if (boxType === 'tfdt') base = Number(moof.readBigUInt64BE(from + 4));
            if (boxType === 'trun') {
              const count = moof.readUInt32BE(from + 4);
              // Our runs: data offset, then duration, size and flags per sample.
              for (let i = 0; i < count; i++) duration += moof.readUInt32BE(from + 12 + i * 12);
            }
          }
          if (trackId === VIDEO_TRACK_ID)
            pending.videoEnd = Math.max(pending.videoEnd, base + duration);
          if (trackId === AUDIO_TRACK_ID)
            pending.audioEnd = Math.max(pending.audioEnd, base + duration);
        }
      }
      at += size;
      if (type === 'mdat') ({ sequence, videoEnd, audioEnd } = pending);
      if (type === 'mdat' || type === 'moov' || type === 'ftyp') complete = at;
    }
    if (!moov || sequence === 0) return undefined;
    const text = moov.toString('latin1');
    const codec = text.includes('vp08') ? 'vp08' : text.includes('avc1') ? 'avc1' : undefined;
    if (!codec) return undefined;
    return {
      size: complete,
      codec,
      hasAudio: text.includes('Opus'),
      sequence: sequence + 1,
      videoEnd,
      audioEnd,
      modifiedAt: statSync(path).mtimeMs,
    };
  } finally {
    closeSync(fd);
  }
}

export class RecordingWriter {
  private out?: WriteStream;
  private failure?: Error;
  private sequence = 1;
  private readonly videoClock = new TimestampUnwrapper();
  private readonly audioClock = new TimestampUnwrapper();
  private firstVideo?: number;
  private startedAt = 0;
  private audioBase?: { timestamp: number; dts: number };
  private lastAudioEnd = 0;
  private pending?: { dts: number; keyframe: boolean; data: Uint8Array };
  private video: Sample[] = [];
  private audio: Sample[] = [];
  private fragmentStart = 0;
  /** Video time written so far (s). */
  durationS = 0;

  /** Media time the file already holds (resumed), where this writer's media starts (90 kHz). */
  private videoBase = 0;

  /**
   * `resume`: the tail of a live file left by this stream's previous home node (it died): the
   * file is cut to its last whole fragment and continued, the time the stream was away left as a
   * gap, so the recording spans the move.
   */
  constructor(
    private readonly path: string,
    private readonly hasAudio: boolean,
    private readonly now: () => number = Date.now,
    private readonly resume?: RecordingTail,
  ) {}

  get started(): boolean {
    return this.out !== undefined;
  }

  /**
   * One video frame: its RTP timestamp (90 kHz), the sample bytes (H.264: length-prefixed NAL
   * units; VP8: the frame), and at a keyframe the track's description. The file starts at the
   * first keyframe that has one.
   */
  videoFrame(timestamp: number, keyframe: boolean, data: Uint8Array, info?: VideoTrackInfo): void {
    if (this.failure) return;
    if (!this.out) {
      if (!keyframe || !info) return;
      this.open(info);
      this.firstVideo = this.videoClock.unwrap(timestamp >>> 0);
    }
    let dts = this.videoBase + this.videoClock.unwrap(timestamp >>> 0) - (this.firstVideo ?? 0);
    if (this.pending) {
      // Timestamps only move forward in a file: a frame that does not is given one tick.
      if (dts <= this.pending.dts) dts = this.pending.dts + 1;
      this.video.push({ ...this.pending, duration: dts - this.pending.dts });
    }
    this.pending = { dts, keyframe, data };
    // About a second per fragment (not only at keyframes: a publisher's GOP may be 10 s), so a
    // node that dies loses at most that much of the recording.
    if (dts - this.fragmentStart >= FRAGMENT_MIN) this.flush(dts);
  }

  /** One Opus packet with its RTP timestamp (48 kHz); before the first video frame: dropped. */
  audioPacket(timestamp: number, packet: Uint8Array): void {
    if (this.failure || !this.out || !this.hasAudio) return;
    const unwrapped = this.audioClock.unwrap(timestamp >>> 0);
    this.audioBase ??= {
      timestamp: unwrapped,
      dts: Math.max(
        this.lastAudioEnd,
        Math.round(
          (this.videoBase * AUDIO_TIMESCALE) / VIDEO_TIMESCALE +
            ((this.now() - this.startedAt) * AUDIO_TIMESCALE) / 1000,
        ),
      ),
    };
    const dts = Math.max(
      this.lastAudioEnd,
      this.audioBase.dts + unwrapped - this.audioBase.timestamp,
    );
    const duration = opusPacketSamples(packet);
    this.lastAudioEnd = dts + duration;
    this.audio.push({ dts, duration, keyframe: true, data: packet });
  }

  /** Writes what is left and closes the file; the error that stopped the writing, if any. */
  async close(): Promise<void> {
    const out = this.out;
    if (!out) return;
    if (this.pending) {
      this.video.push({ ...this.pending, duration: LAST_FRAME_DURATION });
      const end = this.pending.dts + LAST_FRAME_DURATION;
      this.pending = undefined;
      this.flush(end);
    }
    await new Promise<void>((resolve) => out.end(resolve));
    if (this.failure) throw this.failure;
  }

  private open(info: VideoTrackInfo): void {
    const tail = this.resume;
    if (tail && tail.codec === (info.codec ?? 'avc1') && tail.hasAudio === this.hasAudio) {
      truncateSync(this.path, tail.size);
      const away = Math.max(0, this.now() - tail.modifiedAt);
      this.videoBase = tail.videoEnd + Math.round((away * VIDEO_TIMESCALE) / 1000);
      this.fragmentStart = this.videoBase;
      this.lastAudioEnd = tail.audioEnd;
      this.sequence = tail.sequence;
      this.out = createWriteStream(this.path, { flags: 'a' });
    } else {
      this.out = createWriteStream(this.path);
      this.out.write(initSegment(info, this.hasAudio ? { channels: 2 } : undefined));
    }
    this.out.on('error', (error) => (this.failure ??= error));
    this.startedAt = this.now();
  }

  /** Writes the complete video samples (before `end`) and the audio queued so far. */
  private flush(end: number): void {
    if (!this.out || this.video.length === 0) return;
    this.out.write(
      fragment(this.sequence++, [
        { trackId: VIDEO_TRACK_ID, samples: this.video },
        { trackId: AUDIO_TRACK_ID, samples: this.hasAudio ? this.audio : [] },
      ]),
    );
    this.video = [];
    this.audio = [];
    this.fragmentStart = end;
    this.durationS = end / VIDEO_TIMESCALE;
  }
}

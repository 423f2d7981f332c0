import { spsDimensions } from '../video-frames';
import { avccSample, type H264Frame } from './depacketize';
import {
  AUDIO_TIMESCALE,
  AUDIO_TRACK_ID,
  avcCodecString,
  fragment,
  initSegment,
  VIDEO_TIMESCALE,
  VIDEO_TRACK_ID,
  type Sample,
} from './fmp4';

/**
 * Low-Latency HLS (RFC 8216bis, Apple's LL-HLS): one rendition per simulcast layer, CMAF parts of
 * ~1/3 s inside segments that start at keyframes (~2 s: the SFU asks the publisher for one at that
 * cadence), blocking playlist reload, preload hints, delta updates and rendition reports. The
 * playlists and parts are built here, in memory; the HTTP side (and a CDN in front of it) serves
 * them.
 */
export const PART_TARGET_S = 0.5;
/** A part closes at the first frame boundary past this (so parts stay under PART_TARGET_S). */
export const PART_CUT_S = 0.33;
/** A segment closes at the first keyframe past this. */
export const SEGMENT_CUT_S = 1.5;
export const TARGET_DURATION_S = 4;
/** Delta updates may skip what is older than this (at least six target durations). */
export const CAN_SKIP_UNTIL_S = 6 * TARGET_DURATION_S;
/** Parts are listed (and kept in memory) for the last few segments only. */
const PART_SEGMENTS = 4;

export interface HlsPart {
  duration: number;
  independent: boolean;
  bytes: Uint8Array;
  /** Its length in bytes (kept when `bytes` is dropped from memory). */
  length: number;
}

export interface HlsSegment {
  msn: number;
  /** Wall-clock time of its first frame (ms), for EXT-X-PROGRAM-DATE-TIME. */
  startedAt: number;
  /** Media time of its start (s), from the packaging's start. */
  start: number;
  duration: number;
  /** Generation of the init segment (new parameter sets, new generation). */
  init: number;
  parts: HlsPart[];
  complete: boolean;
  /** Parts dropped from memory (the segment's bytes are then only in the store). */
  partsEvicted?: boolean;
  size: number;
}

/** Where finished segments go (the DVR window and clips read them back). */
export interface SegmentStore {
  write(rendition: string, msn: number, parts: readonly Uint8Array[]): void;
  remove(rendition: string, msn: number): void;
}

interface PendingFrame {
  dts: number;
  keyframe: boolean;
  data: Uint8Array;
  at: number;
  generation: number;
}

/** One rendition: a video layer with the stream's audio. */
export class HlsRendition {
  readonly segments: HlsSegment[] = [];
  readonly inits = new Map<number, Uint8Array>();
  codecs = '';
  width = 0;
  height = 0;
  private generation = -1;
  private parameterSets?: { sps: Uint8Array; pps: Uint8Array };
  private pending?: PendingFrame;
  private partVideo: Sample[] = [];
  private partAudio: Sample[] = [];
  private sequence = 1;
  private videoClock?: { ssrc: number; firstTimestamp: number; base: number };
  private lastVideoEnd = 0;
  private readonly listeners = new Set<() => void>();
  private nextMsn = 0;
  private audioReady = false;

  constructor(
    readonly key: string,
    private readonly timeline: HlsTimeline,
    private readonly store: SegmentStore,
    private readonly windowS: number,
    private readonly withAudio: boolean,
  ) {}

  /** The last complete part: [msn, part index] (or undefined before the first part). */
  get last(): { msn: number; part: number } | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const segment = this.segments[i];
      if (segment.parts.length > 0 || segment.complete)
        return { msn: segment.msn, part: segment.parts.length - 1 };
    }
    return undefined;
  }

  /**
   * Whether a blocking request for the part (or, part undefined, the whole segment) can be
   * answered now: it is in the playlist, or it never will be (the segment ended before that part,
   * or it left the window).
   */
  has(msn: number, part?: number): boolean {
    const segment = this.segments.find((s) => s.msn === msn);
    if (!segment) return this.segments.length > 0 && msn < this.segments[0].msn;
    if (part === undefined) return segment.complete;
    return segment.parts.length > part || segment.complete;
  }

  /** The next media sequence number (the segment being built, or the next one). */
  get liveMsn(): number {
    return this.nextMsn;
  }

  /** Calls `listener` whenever a part is added. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  video(frame: H264Frame, arrivedAt: number): void {
    if (frame.keyframe && frame.sps && frame.pps) {
      const changed =
        !this.parameterSets ||
        !equal(this.parameterSets.sps, frame.sps) ||
        !equal(this.parameterSets.pps, frame.pps);
      if (changed) this.newInit(frame.sps, frame.pps);
    }
    if (this.generation < 0) return; // no parameter sets yet: wait for a keyframe with them
    this.audioReady = true;
    let clock = this.videoClock;
    if (!clock || clock.ssrc !== frame.ssrc) {
      clock = {
        ssrc: frame.ssrc,
        firstTimestamp: frame.timestamp,
        base: Math.max(
          this.timeline.videoTime(arrivedAt),
          this.pending ? this.pending.dts + 1 : this.lastVideoEnd,
        ),
      };
      this.videoClock = clock;
    }
    const dts = clock.base + (frame.timestamp - clock.firstTimestamp);
    const previous = this.pending;
    this.pending = {
      dts,
      keyframe: frame.keyframe,
      data: avccSample(frame.nalUnits),
      at: arrivedAt,
      generation: this.generation,
    };
    if (previous) this.add(previous, Math.max(1, dts - previous.dts));
  }

  /** A frame whose duration is known now (the next one arrived): into the current part. */
  private add(frame: PendingFrame, duration: number): void {
    const current = this.segments.at(-1);
    const open = current && !current.complete ? current : undefined;
    const segmentDuration = open ? frame.dts / VIDEO_TIMESCALE - open.start : 0;
    if (
      frame.keyframe &&
      (!open || segmentDuration >= SEGMENT_CUT_S || open.init !== frame.generation)
    ) {
      this.closePart(frame.dts, true);
      this.openSegment(frame);
    }
    if (!this.segments.at(-1) || this.segments.at(-1)?.complete) return; // before the first keyframe
    this.partVideo.push({ dts: frame.dts, duration, keyframe: frame.keyframe, data: frame.data });
    this.lastVideoEnd = frame.dts + duration;
    const end = frame.dts + duration;
    if ((end - this.partVideo[0].dts) / VIDEO_TIMESCALE >= PART_CUT_S) this.closePart(end, false);
  }

  audio(sample: Sample): void {
    if (!this.withAudio || !this.audioReady) return;
    this.partAudio.push(sample);
  }

  private newInit(sps: Uint8Array, pps: Uint8Array): void {
    const { width = 0, height = 0 } = spsDimensions(Buffer.from(sps));
    this.parameterSets = { sps, pps };
    this.generation++;
    this.width = width;
    this.height = height;
    this.codecs = avcCodecString(sps) + (this.withAudio ? ',opus' : '');
    this.inits.set(
      this.generation,
      initSegment(
        { width, height, sps: [sps], pps: [pps] },
        this.withAudio ? { channels: 2 } : undefined,
      ),
    );
    // Only the current generation and those still in the playlist are kept.
    const used = new Set(this.segments.map((s) => s.init));
    for (const generation of this.inits.keys())
      if (generation !== this.generation && !used.has(generation)) this.inits.delete(generation);
  }

  private openSegment(frame: PendingFrame): void {
    const previous = this.segments.at(-1);
    if (previous && !previous.complete) this.complete(previous);
    if (!previous) {
      // The first segment: audio from before its first frame is dropped.
      const from = (frame.dts / VIDEO_TIMESCALE) * AUDIO_TIMESCALE;
      this.partAudio = this.partAudio.filter((s) => s.dts >= from);
    }
    this.segments.push({
      msn: this.nextMsn++,
      startedAt: frame.at,
      start: frame.dts / VIDEO_TIMESCALE,
      duration: 0,
      init: frame.generation,
      parts: [],
      complete: false,
      size: 0,
    });
    this.trim();
  }

  private closePart(endDts: number, segmentEnds: boolean): void {
    const segment = this.segments.at(-1);
    if (!segment || segment.complete) return;
    if (this.partVideo.length === 0) {
      if (segmentEnds) this.complete(segment);
      return;
    }
    const endAudio = (endDts / VIDEO_TIMESCALE) * AUDIO_TIMESCALE;
    const audio = this.partAudio.filter((s) => s.dts < endAudio);
    this.partAudio = this.partAudio.filter((s) => s.dts >= endAudio);
    const video = this.partVideo;
    this.partVideo = [];
    const bytes = fragment(this.sequence++, [
      { trackId: VIDEO_TRACK_ID, samples: video },
      ...(audio.length ? [{ trackId: AUDIO_TRACK_ID, samples: audio }] : []),
    ]);
    const duration = (endDts - video[0].dts) / VIDEO_TIMESCALE;
    segment.parts.push({
      duration,
      independent: video[0].keyframe,
      bytes,
      length: bytes.length,
    });
    segment.duration += duration;
    segment.size += bytes.length;
    if (segmentEnds) this.complete(segment);
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private complete(segment: HlsSegment): void {
    if (segment.complete) return;
    segment.complete = true;
    this.store.write(
      this.key,
      segment.msn,
      segment.parts.map((p) => p.bytes),
    );
  }

  /** Drops what left the DVR window, and parts older than the last few segments from memory. */
  private trim(): void {
    const end = this.segments.at(-1)?.start ?? 0;
    while (this.segments.length > 1 && end - this.segments[0].start > this.windowS) {
      const gone = this.segments.shift();
      if (gone) this.store.remove(this.key, gone.msn);
    }
    for (let i = 0; i < this.segments.length - PART_SEGMENTS; i++) {
      const segment = this.segments[i];
      if (segment.complete && !segment.partsEvicted) {
        segment.partsEvicted = true;
        for (const part of segment.parts) part.bytes = new Uint8Array(0);
      }
    }
    const used = new Set(this.segments.map((s) => s.init));
    for (const generation of this.inits.keys())
      if (generation !== this.generation && !used.has(generation)) this.inits.delete(generation);
  }

  /** The bytes of a part still in memory (undefined when it is not, or not yet). */
  part(msn: number, index: number): Uint8Array | undefined {
    const segment = this.segments.find((s) => s.msn === msn);
    const part = segment?.parts[index];
    return part && !segment?.partsEvicted ? part.bytes : undefined;
  }

  /**
   * Where a part dropped from memory lies in its segment's stored file: a player that fell more
   * than PART_SEGMENTS segments behind still gets every part it saw listed. Undefined while the
   * part is in memory (`part()`), or when there is no such part.
   */
  evictedPart(msn: number, index: number): { offset: number; length: number } | undefined {
    const segment = this.segments.find((s) => s.msn === msn);
    if (!segment?.partsEvicted || index >= segment.parts.length) return undefined;
    let offset = 0;
    for (let i = 0; i < index; i++) offset += segment.parts[i].length;
    return { offset, length: segment.parts[index].length };
  }

  /** A complete segment's bytes while its parts are in memory. */
  segmentBytes(msn: number): Uint8Array[] | undefined {
    const segment = this.segments.find((s) => s.msn === msn);
    if (!segment?.complete || segment.partsEvicted) return undefined;
    return segment.parts.map((p) => p.bytes);
  }

  /**
   * The media playlist. `skip`: a delta update (EXT-X-SKIP replaces the segments older than
   * CAN_SKIP_UNTIL_S). `reports`: the other renditions, for EXT-X-RENDITION-REPORT.
   */
  playlist(skip: boolean, reports: readonly HlsRendition[]): string {
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      `#EXT-X-TARGETDURATION:${TARGET_DURATION_S}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${(3 * PART_TARGET_S).toFixed(1)},CAN-SKIP-UNTIL=${CAN_SKIP_UNTIL_S}`,
      `#EXT-X-PART-INF:PART-TARGET=${PART_TARGET_S}`,
      `#EXT-X-MEDIA-SEQUENCE:${this.segments[0]?.msn ?? 0}`,
    ];
    const end = this.segments.at(-1);
    const skipBefore = end ? end.start + end.duration - CAN_SKIP_UNTIL_S : 0;
    let skipped = 0;
    if (skip)
      while (
        skipped < this.segments.length &&
        this.segments[skipped].complete &&
        this.segments[skipped].start + this.segments[skipped].duration < skipBefore &&
        this.segments[skipped].init === this.segments[0].init
      )
        skipped++;
    if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);
    let map = skipped > 0 ? this.segments[skipped - 1].init : -1;
    const partsFrom = this.segments.length - PART_SEGMENTS;
    for (let i = skipped; i < this.segments.length; i++) {
      const segment = this.segments[i];
      if (segment.init !== map) {
        map = segment.init;
        lines.push(`#EXT-X-MAP:URI="init${segment.init}.mp4"`);
      }
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.startedAt).toISOString()}`);
      if (i >= partsFrom && !segment.partsEvicted)
        segment.parts.forEach((part, index) =>
          lines.push(
            `#EXT-X-PART:DURATION=${part.duration.toFixed(5)},URI="p${segment.msn}.${index}.m4s"${part.independent ? ',INDEPENDENT=YES' : ''}`,
          ),
        );
      if (segment.complete)
        lines.push(`#EXTINF:${segment.duration.toFixed(5)},`, `s${segment.msn}.m4s`);
    }
    if (end)
      lines.push(
        end.complete
          ? `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p${end.msn + 1}.0.m4s"`
          : `#EXT-X-PRELOAD-HINT:TYPE=PART,URI="p${end.msn}.${end.parts.length}.m4s"`,
      );
    for (const other of reports) {
      const last = other.last;
      if (other === this || !last) continue;
      lines.push(
        `#EXT-X-RENDITION-REPORT:URI="../${other.key}/index.m3u8",LAST-MSN=${last.msn},LAST-PART=${Math.max(0, last.part)}`,
      );
    }
    return lines.join('\n') + '\n';
  }
}

/**
 * The media clock every rendition of a stream shares: media time 0 is when packaging started;
 * each RTP source is placed on it by the arrival time of its first packet (their RTP clocks have
 * unrelated random offsets).
 */
export class HlsTimeline {
  constructor(readonly origin: number) {}

  videoTime(at: number): number {
    return Math.round(((at - this.origin) / 1000) * VIDEO_TIMESCALE);
  }

  audioTime(at: number): number {
    return Math.round(((at - this.origin) / 1000) * AUDIO_TIMESCALE);
  }
}

/** The stream's audio, on the shared timeline, fed to every rendition. */
export class HlsAudio {
  private clock?: { ssrc: number; firstTimestamp: number; base: number };
  private lastEnd = 0;

  constructor(private readonly timeline: HlsTimeline) {}

  sample(ssrc: number, timestamp: number, samples: number, data: Uint8Array, at: number): Sample {
    let clock = this.clock;
    if (!clock || clock.ssrc !== ssrc) {
      clock = {
        ssrc,
        firstTimestamp: timestamp,
        base: Math.max(this.timeline.audioTime(at), this.lastEnd),
      };
      this.clock = clock;
    }
    const dts = clock.base + (timestamp - clock.firstTimestamp);
    this.lastEnd = dts + samples;
    return { dts, duration: samples, keyframe: true, data };
  }
}

export interface RenditionInfo {
  key: string;
  width: number;
  height: number;
  codecs: string;
  kbps: number;
  fps: number;
}

/** The multivariant playlist: one rendition per layer, highest first. */
export function multivariantPlaylist(renditions: readonly RenditionInfo[], audioKbps = 64): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of [...renditions].sort((a, b) => b.width * b.height - a.width * a.height)) {
    // Peak: what the layer sends now plus audio, with room for its keyframes.
    const bandwidth = Math.round((r.kbps * 1.25 + audioKbps) * 1000);
    const average = Math.round((r.kbps + audioKbps) * 1000);
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},AVERAGE-BANDWIDTH=${average},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}"${r.fps > 0 ? `,FRAME-RATE=${r.fps.toFixed(3)}` : ''}`,
      `${r.key}/index.m3u8`,
    );
  }
  return lines.join('\n') + '\n';
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

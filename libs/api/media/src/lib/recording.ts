import { mkdirSync, truncateSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import {
  ALL_FORMATS,
  Conversion,
  FilePathSource,
  FilePathTarget,
  Input,
  Mp4OutputFormat,
  Output,
  WebMOutputFormat,
} from 'mediabunny';
import type { MediaStreamTrack, RtpPacket } from 'werift';

import { avccSample, H264Depacketizer, Vp8Depacketizer } from './hls/depacketize';
import type { VideoTrackInfo } from './hls/fmp4';
import { readRecordingTail, RecordingWriter } from './hls/recording-writer';
import { spsDimensions } from './video-frames';

export interface RecordingResult {
  path: string;
  durationSeconds: number;
  sizeBytes: number;
}

type Kind = 'audio' | 'video';

const NAL_SPS = 7;
const NAL_STAP_A = 24;

/** Whether an H.264 RTP payload holds a sequence parameter set (alone or in a STAP-A). */
export function carriesH264ParameterSets(payload: Buffer): boolean {
  if (payload.length === 0) return false;
  const type = payload[0] & 0x1f;
  if (type === NAL_SPS) return true;
  if (type !== NAL_STAP_A) return false;
  for (let offset = 1; offset + 2 < payload.length;) {
    const size = payload.readUInt16BE(offset);
    if ((payload[offset + 2] & 0x1f) === NAL_SPS) return true;
    offset += 2 + size;
  }
  return false;
}

/**
 * Keeps RTP sequence numbers and timestamps continuous when the source changes (the publisher
 * reconnects): the first packet of a new source continues right after the last one written,
 * advanced by the wall-clock gap, so one recording spans every publisher session.
 */
class RtpContinuity {
  private source?: number;
  private seqOffset = 0;
  private tsOffset = 0;
  private last?: { seq: number; ts: number; at: number };

  constructor(private readonly clockRate: number) {}

  rewrite(rtp: RtpPacket): RtpPacket {
    const packet = rtp.clone();
    const { header } = packet;
    if (this.source !== header.ssrc) {
      this.source = header.ssrc;
      if (this.last) {
        const gapTicks = Math.max(
          1,
          Math.round(((Date.now() - this.last.at) / 1000) * this.clockRate),
        );
        this.seqOffset = (this.last.seq + 1 - header.sequenceNumber) & 0xffff;
        this.tsOffset = (this.last.ts + gapTicks - header.timestamp) >>> 0;
      }
    }
    header.sequenceNumber = (header.sequenceNumber + this.seqOffset) & 0xffff;
    header.timestamp = (header.timestamp + this.tsOffset) >>> 0;
    this.last = { seq: header.sequenceNumber, ts: header.timestamp, at: Date.now() };
    return packet;
  }
}

/**
 * Server-side recording of a stream, from the SFU, on the packaging path HLS and clips use: the
 * publisher's RTP, made continuous across publisher restarts and layer switches, is depacketized
 * (H.264 access units or VP8 frames, Opus packets) and written as fragmented MP4 by the CMAF
 * writer of the LL-HLS parts (`RecordingWriter`, `fmp4.ts`). At the end the file is converted
 * without re-encoding (mediabunny, as clips are) into a fast-start MP4 (H.264) or a WebM with Cues
 * (VP8: browsers play VP8 from WebM), so browsers get the duration and can seek.
 */
export class StreamRecording {
  private continuity = new Map<Kind, RtpContinuity>();
  private writer?: RecordingWriter;
  private depacketizer?: H264Depacketizer | Vp8Depacketizer;
  private h264 = false;
  private fault?: Error;
  private readonly livePath: string;

  constructor(
    private readonly directory: string,
    private readonly streamId: string,
  ) {
    this.livePath = join(directory, `${streamId}.live.mp4`);
  }

  /** Starts on the publisher's tracks, at its first video packet (codecs are final by then). */
  private start(tracks: Map<Kind, MediaStreamTrack>): void {
    const video = tracks.get('video')?.codec;
    if (!video) return;
    this.h264 = video.mimeType.toLowerCase() === 'video/h264';
    if (!this.h264 && video.mimeType.toLowerCase() !== 'video/vp8')
      throw new Error(`cannot record ${video.mimeType}`);
    const audio = tracks.get('audio')?.codec?.mimeType.toLowerCase() === 'audio/opus';
    mkdirSync(this.directory, { recursive: true });
    // A live file of this stream already there was left by the worker or node that recorded it
    // before and died (the stream moved here, the publisher came back): it is continued.
    const writer = new RecordingWriter(
      this.livePath,
      audio,
      Date.now,
      readRecordingTail(this.livePath),
    );
    this.writer = writer;
    let sps: Uint8Array | undefined;
    let pps: Uint8Array | undefined;
    this.depacketizer = this.h264
      ? new H264Depacketizer((frame) => {
          // Parameter sets go in-band with every keyframe too: a new SPS (the encoder changed
          // resolution, a switch to another layer) is then decoded where it starts.
          let info: VideoTrackInfo | undefined;
          if (frame.keyframe && frame.sps && frame.pps) {
            sps = frame.sps;
            pps = frame.pps;
            const { width = 0, height = 0 } = spsDimensions(Buffer.from(sps));
            info = { codec: 'avc1', width, height, sps: [sps], pps: [pps] };
          }
          const units =
            frame.keyframe && sps && pps ? [sps, pps, ...frame.nalUnits] : frame.nalUnits;
          writer.videoFrame(frame.timestamp, frame.keyframe, avccSample(units), info);
        })
      : new Vp8Depacketizer((frame) => {
          const info: VideoTrackInfo | undefined =
            frame.keyframe && frame.width && frame.height
              ? { codec: 'vp08', width: frame.width, height: frame.height, sps: [], pps: [] }
              : undefined;
          writer.videoFrame(frame.timestamp, frame.keyframe, frame.data, info);
        });
  }

  /**
   * Feeds one received packet (any publisher session) into the recording. A recording fault never
   * reaches the forwarding path: the recording stops and `finish` reports the fault.
   */
  write(kind: Kind, rtp: RtpPacket, tracks: Map<Kind, MediaStreamTrack>): void {
    if (this.fault) return;
    try {
      if (!this.writer) {
        if (kind !== 'video') return;
        // H.264 needs its parameter sets up front (the decoder configuration of the file):
        // the recording starts at a keyframe that carries SPS/PPS.
        const h264 = tracks.get('video')?.codec?.mimeType.toLowerCase() === 'video/h264';
        if (h264 && !carriesH264ParameterSets(rtp.payload)) return;
        this.start(tracks);
        if (!this.writer) return;
      }
      const codec = tracks.get(kind)?.codec;
      if (!codec) return;
      // A publisher that came back with another video codec (VP8 <-> H.264) cannot go on in this
      // file: the recording keeps its audio and resumes if the first codec comes back.
      if (kind === 'video' && (codec.mimeType.toLowerCase() === 'video/h264') !== this.h264) return;
      let continuity = this.continuity.get(kind);
      if (!continuity) {
        continuity = new RtpContinuity(codec.clockRate);
        this.continuity.set(kind, continuity);
      }
      const packet = continuity.rewrite(rtp);
      if (kind === 'video') this.depacketizer?.push(packet.serialize());
      else if (codec.mimeType.toLowerCase() === 'audio/opus')
        this.writer.audioPacket(packet.header.timestamp, packet.payload);
    } catch (error) {
      this.fault = error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Closes the live file and produces the final, seekable one, streamed from file to file (a
   * recording of several hours is several GiB: never read whole into memory). `onProgress` gets
   * the conversion's completion (0..1) as it goes.
   */
  async finish(onProgress?: (fraction: number) => void): Promise<RecordingResult | null> {
    const writer = this.writer;
    this.writer = undefined;
    if (this.fault) {
      await writer?.close().catch(() => undefined);
      throw new Error(`recording failed: ${this.fault.message}`);
    }
    if (writer?.started) await writer.close();
    else {
      // Nothing recorded here, but the live file a node that died left (the stream moved here and
      // ended before its publisher came back) still becomes the recording.
      const tail = readRecordingTail(this.livePath);
      if (!tail) return null;
      this.h264 = tail.codec === 'avc1';
      truncateSync(this.livePath, tail.size);
    }
    // VP8 stays in WebM (browsers do not play VP8 from MP4); H.264 goes to MP4.
    const finalPath = join(this.directory, `${this.streamId}.${this.h264 ? 'mp4' : 'webm'}`);
    const liveSize = (await stat(this.livePath)).size;
    const input = new Input({ source: new FilePathSource(this.livePath), formats: ALL_FORMATS });
    const output = new Output({
      format: this.h264
        ? new Mp4OutputFormat({ fastStart: mp4FastStart(liveSize) })
        : new WebMOutputFormat(),
      target: new FilePathTarget(finalPath),
    });
    try {
      const conversion = await Conversion.init({ input, output });
      if (onProgress) conversion.onProgress = (fraction) => onProgress(fraction);
      await conversion.execute();
    } finally {
      input.dispose();
    }
    await rm(this.livePath, { force: true });
    const check = new Input({ source: new FilePathSource(finalPath), formats: ALL_FORMATS });
    try {
      const durationSeconds = await check.computeDuration();
      return { path: finalPath, durationSeconds, sizeBytes: (await stat(finalPath)).size };
    } finally {
      check.dispose();
    }
  }
}

/** Up to this size an MP4's index (moov) is built in memory and put first ("fast start"). */
export const MP4_IN_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

/**
 * Where the MP4 index goes: first (built in memory) for recordings up to 512 MiB, so players can
 * start before fetching the end; after the media for larger ones, which browsers fetch with one
 * Range request (memory stays flat however long the stream was).
 */
export function mp4FastStart(sizeBytes: number): 'in-memory' | false {
  return sizeBytes <= MP4_IN_MEMORY_LIMIT_BYTES ? 'in-memory' : false;
}

import { mkdirSync } from 'node:fs';
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
import { MediaStreamTrack, type RtpPacket } from 'werift';
import { MediaRecorder } from 'werift/nonstandard';

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
 * Server-side recording of a stream, from the SFU: the publisher's RTP, made continuous across
 * publisher restarts, goes to werift's Matroska writer (RTP-time based); at the end the file is
 * remuxed (stream copy, mediabunny) into a finalized WebM (VP8) with sized clusters, a SeekHead
 * and Cues, or a fast-start MP4 (H.264), so browsers get the duration and can seek.
 */
export class StreamRecording {
  private relays = new Map<Kind, { track: MediaStreamTrack; continuity: RtpContinuity }>();
  private recorder?: MediaRecorder;
  private fault?: Error;
  /** Packets that arrived while the writer was starting. */
  private queued?: [MediaStreamTrack, RtpPacket][];
  private ready?: Promise<void>;
  private readonly livePath: string;

  constructor(
    private readonly directory: string,
    private readonly streamId: string,
  ) {
    this.livePath = join(directory, `${streamId}.live.webm`);
  }

  /** Starts recording on the publisher's tracks, at its first video packet (codecs are final by then). */
  private start(tracks: Map<Kind, MediaStreamTrack>): void {
    for (const [kind, track] of tracks) {
      if (!track.codec) continue;
      this.relays.set(kind, {
        track: new MediaStreamTrack({ kind, codec: track.codec }),
        continuity: new RtpContinuity(track.codec.clockRate),
      });
    }
    if (!this.relays.has('video')) return;
    mkdirSync(this.directory, { recursive: true });
    const ordered = (['video', 'audio'] as const).flatMap((kind) => {
      const relay = this.relays.get(kind);
      return relay ? [relay.track] : [];
    });
    const recorder = new MediaRecorder({
      path: this.livePath,
      numOfTracks: ordered.length,
      width: 640,
      height: 480,
      disableNtp: true,
    });
    this.recorder = recorder;
    // The writer subscribes to the tracks only once it has started (after an async file step):
    // packets until then wait in `queued`, so the first frame (with H.264's SPS/PPS) is kept.
    this.queued = [];
    this.ready = (async () => {
      for (const track of ordered) await recorder.addTrack(track);
      for (const [track, packet] of this.queued ?? []) track.writeRtp(packet);
      this.queued = undefined;
    })().catch((error: unknown) => {
      this.fault = error instanceof Error ? error : new Error(String(error));
    });
  }

  /**
   * Feeds one received packet (any publisher session) into the recording. A recording fault never
   * reaches the forwarding path: the recording stops and `finish` reports the fault.
   */
  write(kind: Kind, rtp: RtpPacket, tracks: Map<Kind, MediaStreamTrack>): void {
    if (this.fault) return;
    try {
      if (!this.recorder && kind === 'video') {
        // H.264 needs its parameter sets up front (the decoder configuration of the file):
        // the recording starts at a keyframe that carries SPS/PPS.
        const h264 = tracks.get('video')?.codec?.mimeType.toLowerCase() === 'video/h264';
        if (h264 && !carriesH264ParameterSets(rtp.payload)) return;
        this.start(tracks);
      }
      const relay = this.relays.get(kind);
      if (!this.recorder || !relay) return;
      const packet = relay.continuity.rewrite(rtp);
      if (this.queued) this.queued.push([relay.track, packet]);
      else relay.track.writeRtp(packet);
    } catch (error) {
      this.fault = error instanceof Error ? error : new Error(String(error));
      this.recorder?.stop().catch(() => undefined);
      this.recorder = undefined;
    }
  }

  /**
   * Stops the writer and produces the final, seekable file, streamed from file to file (a
   * recording of several hours is several GiB: never read whole into memory). `onProgress` gets
   * the remux's completion (0..1) as it goes.
   */
  async finish(onProgress?: (fraction: number) => void): Promise<RecordingResult | null> {
    await this.ready;
    if (this.fault) throw new Error(`recording failed: ${this.fault.message}`);
    if (!this.recorder) return null;
    await this.recorder.stop();
    this.recorder = undefined;
    // VP8 (and VP9/AV1) stay in WebM; H.264 is not allowed in WebM, so it goes to MP4.
    const h264 = this.relays.get('video')?.track.codec?.mimeType.toLowerCase() === 'video/h264';
    const finalPath = join(this.directory, `${this.streamId}.${h264 ? 'mp4' : 'webm'}`);
    const liveSize = (await stat(this.livePath)).size;
    const input = new Input({ source: new FilePathSource(this.livePath), formats: ALL_FORMATS });
    const output = new Output({
      format: h264
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

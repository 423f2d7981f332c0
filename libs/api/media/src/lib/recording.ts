import { mkdirSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  ALL_FORMATS,
  BufferSource,
  BufferTarget,
  Conversion,
  Input,
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
 * publisher restarts, goes to werift's WebM writer (RTP-time based); at the end the file is
 * remuxed (stream copy, mediabunny) into a finalized WebM with sized clusters, a SeekHead and
 * Cues, so browsers get the duration and can seek.
 */
export class StreamRecording {
  private relays = new Map<Kind, { track: MediaStreamTrack; continuity: RtpContinuity }>();
  private recorder?: MediaRecorder;
  private readonly livePath: string;
  private readonly finalPath: string;

  constructor(
    private readonly directory: string,
    streamId: string,
  ) {
    this.livePath = join(directory, `${streamId}.live.webm`);
    this.finalPath = join(directory, `${streamId}.webm`);
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
    this.recorder = new MediaRecorder({
      path: this.livePath,
      tracks: ordered,
      width: 640,
      height: 480,
      disableNtp: true,
    });
  }

  /** Feeds one received packet (any publisher session) into the recording. */
  write(kind: Kind, rtp: RtpPacket, tracks: Map<Kind, MediaStreamTrack>): void {
    if (!this.recorder && kind === 'video') this.start(tracks);
    const relay = this.relays.get(kind);
    if (!this.recorder || !relay) return;
    relay.track.writeRtp(relay.continuity.rewrite(rtp));
  }

  /** Stops the writer and produces the final, seekable file. */
  async finish(): Promise<RecordingResult | null> {
    if (!this.recorder) return null;
    await this.recorder.stop();
    this.recorder = undefined;
    const input = new Input({
      source: new BufferSource(await readFile(this.livePath)),
      formats: ALL_FORMATS,
    });
    const target = new BufferTarget();
    const output = new Output({ format: new WebMOutputFormat(), target });
    const conversion = await Conversion.init({ input, output });
    await conversion.execute();
    if (!target.buffer) throw new Error('remux produced nothing');
    await writeFile(this.finalPath, Buffer.from(target.buffer));
    await rm(this.livePath, { force: true });
    const check = new Input({
      source: new BufferSource(await readFile(this.finalPath)),
      formats: ALL_FORMATS,
    });
    const durationSeconds = await check.computeDuration();
    return { path: this.finalPath, durationSeconds, sizeBytes: (await stat(this.finalPath)).size };
  }
}

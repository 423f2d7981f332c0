import {
  decodeRelayBatch,
  type RelayCodec,
  type RelayDown,
  type RelayLayerStats,
} from '../relay-feed';
import { H264Depacketizer, opusPacketSamples, parseRtp } from './depacketize';
import {
  HlsAudio,
  HlsRendition,
  HlsTimeline,
  multivariantPlaylist,
  type RenditionInfo,
  type SegmentStore,
} from './ll-hls';

export interface HlsPackagerOptions {
  /** The DVR window: how far back segments stay in the playlists (s). */
  windowS: number;
  store: SegmentStore;
  /** Asks the publisher for a keyframe of a layer (undefined: every layer). */
  requestKeyframe(layer?: string): void;
  now?: () => number;
}

/**
 * One stream's LL-HLS packaging, fed with the SFU's relay feed (the same feed other workers and
 * nodes relay): every simulcast layer of an H.264 publisher becomes a rendition, with the stream's
 * Opus audio. VP8 cannot go into fMP4 for browsers (Chromium's MSE refuses vp08 in MP4), so a VP8
 * publisher has no HLS: `available` stays false.
 */
export class HlsPackager {
  readonly renditions = new Map<string, HlsRendition>();
  private readonly depacketizers = new Map<string, H264Depacketizer>();
  private video?: RelayCodec;
  private audio?: RelayCodec;
  private stats = new Map<string, RelayLayerStats>();
  private timeline?: HlsTimeline;
  private audioTrack?: HlsAudio;
  private published = false;
  private readonly now: () => number;

  constructor(private readonly options: HlsPackagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether there is something to play: an H.264 publisher and a rendition with a part. */
  get available(): boolean {
    return this.published && this.isH264 && [...this.renditions.values()].some((r) => r.last);
  }

  get isH264(): boolean {
    return this.video?.mimeType.toLowerCase() === 'video/h264';
  }

  push(batch: Uint8Array): void {
    let messages: RelayDown[];
    try {
      messages = decodeRelayBatch(batch);
    } catch {
      return;
    }
    for (const message of messages) this.handle(message);
  }

  handle(message: RelayDown): void {
    const at = this.now();
    switch (message.type) {
      case 'meta':
        this.video = message.video;
        this.audio = message.audio;
        this.published = true;
        return;
      case 'publisher':
        this.published = message.state !== 'gone';
        return;
      case 'layerStats':
        this.stats = new Map(message.layers.map((layer) => [layer.key, layer]));
        return;
      case 'video': {
        if (!this.isH264) return;
        this.timeline ??= new HlsTimeline(at);
        let depacketizer = this.depacketizers.get(message.layer);
        if (!depacketizer) {
          const rendition = new HlsRendition(
            message.layer,
            this.timeline,
            this.options.store,
            this.options.windowS,
            this.audio !== undefined,
          );
          this.renditions.set(message.layer, rendition);
          depacketizer = new H264Depacketizer(
            (frame) => rendition.video(frame, this.now()),
            () => this.options.requestKeyframe(message.layer),
          );
          this.depacketizers.set(message.layer, depacketizer);
          this.options.requestKeyframe(message.layer);
        }
        depacketizer.push(message.rtp);
        return;
      }
      case 'audio': {
        if (!this.isH264 || !this.timeline) return;
        const rtp = parseRtp(message.rtp);
        if (!rtp || rtp.payload.length === 0) return;
        this.audioTrack ??= new HlsAudio(this.timeline);
        const sample = this.audioTrack.sample(
          rtp.ssrc,
          rtp.timestamp,
          opusPacketSamples(rtp.payload),
          rtp.payload.slice(),
          at,
        );
        for (const rendition of this.renditions.values()) rendition.audio(sample);
        return;
      }
    }
  }

  /** What the multivariant playlist lists: renditions with an init segment and a part. */
  renditionInfos(): RenditionInfo[] {
    return [...this.renditions.values()]
      .filter((r) => r.last && r.inits.size > 0)
      .map((r) => {
        const stats = this.stats.get(r.key);
        return {
          key: r.key,
          width: r.width || stats?.width || 0,
          height: r.height || stats?.height || 0,
          codecs: r.codecs,
          kbps: Math.max(stats?.kbps ?? 0, 100),
          fps: stats?.fps ?? 0,
        };
      });
  }

  multivariant(): string {
    return multivariantPlaylist(this.renditionInfos(), this.audio ? 64 : 0);
  }

  rendition(key: string): HlsRendition | undefined {
    return this.renditions.get(key);
  }
}

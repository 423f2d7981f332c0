import { mkdirSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';

import { AppConfig, REDIS } from '@finserve/api/core';
import {
  HlsPackager,
  lastSegments,
  type HlsRendition,
  type HlsSegment,
  type SegmentStore,
} from '@finserve/api/media';

import { MediaBackend } from './media-backend';
import { MediaCluster } from './media-cluster';
import type { RelayCapableBackend } from './media-relay';

/** The SFU asks the publisher for a keyframe this often while HLS is on: segments of ~2 s. */
const KEYFRAME_INTERVAL_MS = 2000;
/** How long a blocking playlist or part request is held before it is answered anyway. */
export const HOLD_MS = 6000;
/** What is left of an ended stream's HLS (segments on disk) stays this long, for clips. */
const ENDED_KEEP_MS = 10 * 60_000;

interface Packaging {
  packager: HlsPackager;
  tap: { requestKeyframe(layer?: string): void; close(): void };
  timer: NodeJS.Timeout;
  directory: string;
}

/**
 * LL-HLS of the streams homed on this node: a packager per stream, fed from the SFU's relay feed
 * (the tap other workers and nodes relay from), finished segments on disk under DATA_DIR/hls for
 * the DVR window, parts and playlists in memory. Other nodes answer HLS requests by fetching
 * from the home node (HlsController), so any API instance is a CDN origin for any stream.
 */
@Injectable()
export class HlsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(HlsService.name);
  private readonly streams = new Map<string, Packaging>();
  private readonly root: string;

  constructor(
    private readonly config: AppConfig,
    private readonly media: MediaBackend,
    private readonly cluster: MediaCluster,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {
    this.root = join(this.config.DATA_DIR, 'hls');
  }

  onModuleInit(): void {
    if (!this.config.HLS_ENABLED || !tapCapable(this.media)) return;
    this.cluster.onLocalStream({
      published: (streamId) => this.start(streamId),
      ended: (streamId) => this.stop(streamId),
    });
  }

  onApplicationShutdown(): void {
    for (const streamId of [...this.streams.keys()]) this.stop(streamId, false);
  }

  get enabled(): boolean {
    return this.config.HLS_ENABLED && tapCapable(this.media) !== null;
  }

  /** The stream's packager on this node (undefined: not packaged here). */
  packager(streamId: string): HlsPackager | undefined {
    return this.streams.get(streamId)?.packager;
  }

  /** Whether the stream has HLS to play now (packaged here, or on its home node). */
  async available(streamId: string): Promise<boolean> {
    if (!this.enabled) return false;
    const packaging = this.streams.get(streamId);
    if (packaging) return packaging.packager.available;
    if (!this.redis || !this.cluster.clustered) return false;
    return (await this.redis.exists(availableKey(streamId)).catch(() => 0)) === 1;
  }

  /** The stream's multivariant playlist URL (HLS_BASE_URL: a CDN in front of the API). */
  url(streamId: string): string {
    return `${this.config.HLS_BASE_URL ?? ''}/hls/${streamId}/index.m3u8`;
  }

  /** A finished segment that left memory (the DVR window), from disk. */
  async segmentFromDisk(streamId: string, rendition: string, msn: number): Promise<Buffer | null> {
    const packaging = this.streams.get(streamId);
    if (!packaging) return null;
    return readFile(join(packaging.directory, rendition, `s${msn}.m4s`)).catch(() => null);
  }

  /** `length` bytes at `offset` of a stored segment (a part dropped from memory); null if gone. */
  async partFromDisk(
    streamId: string,
    rendition: string,
    msn: number,
    offset: number,
    length: number,
  ): Promise<Buffer | null> {
    const packaging = this.streams.get(streamId);
    if (!packaging) return null;
    const file = await open(join(packaging.directory, rendition, `s${msn}.m4s`)).catch(() => null);
    if (!file) return null;
    try {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await file.read(bytes, 0, length, offset);
      return bytesRead === length ? bytes : null;
    } finally {
      await file.close();
    }
  }

  /**
   * The last `durationS` seconds of a stream packaged here, from its highest rendition: its
   * complete segments written after their init segment into `path` (a fragmented MP4 a clip is cut
   * from), and when they started (wall clock). Null when there is not enough packaged yet.
   */
  async liveClipSource(
    streamId: string,
    durationS: number,
    path: string,
  ): Promise<{ startedAt: number; durationS: number } | null> {
    const packaging = this.streams.get(streamId);
    if (!packaging) return null;
    // The highest rendition whose latest init segment covers the clip: a layer whose encoder
    // changed resolution (new parameter sets, a new init segment) covers only what came since.
    let best: { rendition: HlsRendition; chosen: HlsSegment[]; covered: number } | undefined;
    const renditions = [...packaging.packager.renditions.values()]
      .filter((r) => r.last)
      .sort((a, b) => b.width * b.height - a.width * a.height);
    for (const rendition of renditions) {
      let chosen = lastSegments(rendition.segments, durationS);
      const generation = chosen.at(-1)?.init;
      chosen = chosen.filter((segment) => segment.init === generation);
      const covered = chosen.reduce((total, segment) => total + segment.duration, 0);
      if (!best || covered > best.covered + 1) best = { rendition, chosen, covered };
      if (covered >= durationS - 1) break;
    }
    if (!best || best.chosen.length === 0) return null;
    const { rendition: top, chosen } = best;
    const init = top.inits.get(chosen[0].init);
    if (!init) return null;
    const parts: Uint8Array[] = [init];
    for (const segment of chosen) {
      const bytes =
        top.segmentBytes(segment.msn) ??
        (await this.segmentFromDisk(streamId, top.key, segment.msn));
      if (!bytes) return null;
      parts.push(...(Array.isArray(bytes) ? bytes : [bytes]));
    }
    await writeFile(path, Buffer.concat(parts));
    return {
      startedAt: chosen[0].startedAt,
      durationS: chosen.reduce((total, s) => total + s.duration, 0),
    };
  }

  /** The home node's HTTP address for a stream packaged elsewhere (null: nowhere known). */
  async homeAddress(streamId: string): Promise<string | null> {
    if (!this.cluster.clustered) return null;
    const home = await this.cluster.homeOf(streamId, false);
    if (!home || home === this.cluster.nodeId) return null;
    return (await this.cluster.node(home).catch(() => null))?.http ?? null;
  }

  private start(streamId: string): void {
    const backend = tapCapable(this.media);
    if (!backend || this.streams.has(streamId)) return;
    const directory = join(this.root, streamId);
    const store: SegmentStore = {
      write: (rendition, msn, parts) => {
        const dir = join(directory, rendition);
        mkdirSync(dir, { recursive: true });
        writeFile(join(dir, `s${msn}.m4s`), Buffer.concat(parts)).catch((error: unknown) =>
          this.logger.warn(`HLS segment of ${streamId} not written: ${String(error)}`),
        );
      },
      remove: (rendition, msn) => {
        void rm(join(directory, rendition, `s${msn}.m4s`), { force: true });
      },
    };
    // The packager asks for keyframes through the tap it is fed from (opened right after it).
    const link: { tap?: Packaging['tap'] } = {};
    const packager = new HlsPackager({
      windowS: this.config.DVR_WINDOW_MINUTES * 60,
      store,
      requestKeyframe: (layer) => link.tap?.requestKeyframe(layer),
    });
    let faults = 0;
    const tap = backend.tapFeed(streamId, (batch) => {
      try {
        packager.push(batch);
      } catch (error) {
        // A publisher's malformed media must never take the process down: the packet is skipped.
        if (faults++ % 1000 === 0)
          this.logger.warn(`HLS packaging of ${streamId} skipped a packet: ${String(error)}`);
      }
    });
    link.tap = tap;
    const timer = setInterval(() => {
      // Segments start at keyframes: ~2 s ones need a keyframe every 2 s (H.264 only: a VP8
      // publisher is not packaged, and its viewers need no extra keyframes).
      if (!packager.isH264) return;
      tap.requestKeyframe();
      // The other nodes' `hlsUrl` reads this.
      if (packager.available && this.redis && this.cluster.clustered)
        this.redis
          .set(availableKey(streamId), this.cluster.nodeId, 'PX', 3 * KEYFRAME_INTERVAL_MS)
          .catch(() => undefined);
    }, KEYFRAME_INTERVAL_MS);
    timer.unref();
    this.streams.set(streamId, { packager, tap, timer, directory });
  }

  private stop(streamId: string, keep = true): void {
    const packaging = this.streams.get(streamId);
    if (!packaging) return;
    this.streams.delete(streamId);
    clearInterval(packaging.timer);
    packaging.tap.close();
    this.redis?.del(availableKey(streamId)).catch(() => undefined);
    const remove = () => void rm(packaging.directory, { recursive: true, force: true });
    if (!keep) return remove();
    setTimeout(remove, ENDED_KEEP_MS).unref();
  }
}

const availableKey = (streamId: string) => `media:hls:${streamId}`;

function tapCapable(backend: MediaBackend): Pick<RelayCapableBackend, 'tapFeed'> | null {
  const candidate = backend as Partial<RelayCapableBackend>;
  return typeof candidate.tapFeed === 'function'
    ? (backend as unknown as Pick<RelayCapableBackend, 'tapFeed'>)
    : null;
}

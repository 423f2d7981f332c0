import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';

import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  type AuthUser,
  type EventBus,
} from '@finserve/api/core';
import type { MediaEvent } from '@finserve/api/media';
import { mediaChannel, SignalingService } from '@finserve/api/signaling';
import { StreamLifecycle, ThumbnailsService, type StreamEntity } from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { loadDemoClip, type DemoClip } from './demo-clip';
import { DemoPeer } from './demo-peer';
import { DemoPublisherLock } from './demo-publisher.lock';

/** The card's still changes every 30 s, as a studio's would (cheap: an 11 KiB row update). */
export const DEMO_THUMBNAIL_PERIOD_MS = 30_000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
const CLOSE_TIMEOUT_MS = 2000;
/** How often an instance on standby (another one publishes the demo) tries to take over. */
export const DEMO_STANDBY_RETRY_MS = 15_000;

export interface DemoPublisherStatus {
  streamId: string | null;
  sessionId: string | null;
  /** Another API instance on the same database publishes the demo; this one tries again later. */
  standby: boolean;
  /** Connected to the SFU and sending the clip. */
  sending: boolean;
  /** Publish attempts (the first one included). */
  attempts: number;
  videoFrames: number;
  audioPackets: number;
  keyframeRequests: number;
}

/**
 * Feeds the LIVE demo stream: publishes the looping clip through SignalingService as the demo
 * streamer, exactly as a browser or WHIP encoder does, so viewers, recording and thumbnails treat
 * it as any stream. Publishes again (with backoff) when the session drops or the SFU reports the
 * publisher gone; stops for good when the stream ends or the app shuts down.
 */
@Injectable()
export class DemoPublisher implements OnModuleDestroy {
  private readonly logger = new Logger(DemoPublisher.name);
  private clip?: Promise<DemoClip>;
  private stream?: { id: string; user: AuthUser };
  private peer?: DemoPeer;
  private sessionId?: string;
  private stopped = false;
  private attempts = 0;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private standbyTimer?: NodeJS.Timeout;
  private thumbnailTimer?: NodeJS.Timeout;
  private still = 0;
  private subscription?: Promise<number>;

  constructor(
    private readonly signaling: SignalingService,
    private readonly lock: DemoPublisherLock,
    private readonly thumbnails: ThumbnailsService,
    private readonly lifecycle: StreamLifecycle,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {
    this.lifecycle.onTransition(async ({ stream, to }) => {
      if (to === StreamStatus.ENDED && stream.id === this.stream?.id) await this.stop();
    });
  }

  status(): DemoPublisherStatus {
    const stats = this.peer?.stats;
    return {
      streamId: this.stream?.id ?? null,
      sessionId: this.sessionId ?? null,
      standby: this.standbyTimer !== undefined,
      sending: this.peer?.sending ?? false,
      attempts: this.attempts,
      videoFrames: stats?.videoFrames ?? 0,
      audioPackets: stats?.audioPackets ?? 0,
      keyframeRequests: stats?.keyframeRequests ?? 0,
    };
  }

  /**
   * Starts feeding `stream` (the LIVE demo stream), unless another instance does (then this one
   * stands by and tries again every 15 s); returns once the first publish was tried.
   */
  async feed(stream: StreamEntity, streamer: AuthUser): Promise<void> {
    if (this.stream || this.stopped) return;
    this.standbyTimer = undefined;
    if (!(await this.lock.acquire())) {
      if (this.stopped) return;
      this.standbyTimer = setTimeout(
        () => void this.feed(stream, streamer).catch(this.failed),
        DEMO_STANDBY_RETRY_MS,
      );
      return;
    }
    if (this.stopped) {
      await this.lock.release();
      return;
    }
    this.stream = { id: stream.id, user: streamer };
    this.clip ??= loadDemoClip();
    const onEvent = (event: MediaEvent) => {
      if (event.type === 'PUBLISHER_GONE' && event.sessionId && event.sessionId === this.sessionId)
        this.retry(this.peer, 'the SFU reports the publisher gone');
      else if (event.type === 'STREAM_ENDED') void this.stop();
    };
    this.subscription = this.bus.subscribe(mediaChannel(stream.id), onEvent, {});
    await this.storeStill();
    if (this.stopped) return; // shut down meanwhile: stop() has cleaned up
    this.thumbnailTimer = setInterval(() => void this.storeStill(), DEMO_THUMBNAIL_PERIOD_MS);
    this.thumbnailTimer.unref();
    await this.publish();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** Stops publishing for good: timers, the peer, the SFU session and the bus subscription. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.standbyTimer);
    this.standbyTimer = undefined;
    clearInterval(this.thumbnailTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    if (subscription) this.bus.unsubscribe(await subscription);
    await this.dispose(this.peer, this.sessionId);
    this.peer = undefined;
    this.sessionId = undefined;
    await this.lock.release().catch(this.failed);
  }

  private readonly failed = (error: unknown): void =>
    this.logger.error(`demo publisher: ${error instanceof Error ? error.message : String(error)}`);

  private async publish(): Promise<void> {
    const stream = this.stream;
    if (!stream || this.stopped) return;
    const clip = await (this.clip ?? loadDemoClip());
    if (this.stopped) return;
    this.attempts++;
    const peer = new DemoPeer(clip, { gone: (reason) => this.retry(peer, reason) });
    this.peer = peer;
    this.sessionId = undefined;
    try {
      const offer = await peer.offer();
      const { session, sdp } = await this.signaling.publish(stream.user, stream.id, offer);
      if (this.peer !== peer) {
        await this.dispose(peer, session.sessionId);
        return;
      }
      this.sessionId = session.sessionId;
      await peer.answer(sdp);
      this.failures = 0;
      this.logger.log(
        `publishing the demo clip to stream ${stream.id} (session ${session.sessionId})`,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (
        error instanceof ConflictError ||
        error instanceof NotFoundError ||
        error instanceof ForbiddenError
      ) {
        this.logger.warn(`not publishing the demo stream any more: ${message}`);
        await this.stop();
        return;
      }
      this.retry(peer, `publish failed: ${message}`);
    }
  }

  /** Drops `peer` (if it is still the current one) and publishes again after a backoff. */
  private retry(peer: DemoPeer | undefined, reason: string): void {
    if (!peer || peer !== this.peer || this.stopped) return;
    const sessionId = this.sessionId;
    this.peer = undefined;
    this.sessionId = undefined;
    void this.dispose(peer, sessionId);
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures++);
    this.logger.warn(`demo publisher lost (${reason}); publishing again in ${delay} ms`);
    this.retryTimer = setTimeout(() => void this.publish(), delay);
  }

  /** Closes a peer and its SFU session, best effort and bounded (shutdown must not hang). */
  private async dispose(peer: DemoPeer | undefined, sessionId: string | undefined): Promise<void> {
    const stream = this.stream;
    let timer: NodeJS.Timeout | undefined;
    const closing = Promise.allSettled([
      peer?.close(),
      sessionId && stream ? this.signaling.close(stream.user, sessionId) : undefined,
    ]);
    await Promise.race([
      closing,
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Stores the next still of the clip as the stream's thumbnail, through the streams library. */
  private async storeStill(): Promise<void> {
    const stream = this.stream;
    const stills = (await this.clip)?.stills ?? [];
    if (!stream || this.stopped || stills.length === 0) return;
    const jpeg = stills[this.still++ % stills.length];
    await this.thumbnails.save(stream.id, jpeg).catch((error: unknown) => {
      this.logger.warn(
        `demo thumbnail not stored: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}

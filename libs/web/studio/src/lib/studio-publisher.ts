import { computed, DestroyRef, inject, Injectable, signal, type Signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { interval } from 'rxjs';

import { reconnectDelayMs } from '@finserve/web/data-access';
import {
  MediaService,
  recoveryDelayMs,
  watchSession,
  type MediaSessionHandle,
} from '@finserve/web/media';

import type { Capture } from './capture';
import type { PublisherConnection } from './labels';
import { PublishStats } from './publish-stats';

/** How often the outgoing video's statistics are read while publishing. */
const STATS_PERIOD_MS = 2000;

/** What the page gives the publisher. */
export interface PublisherBinding {
  /** The console's stream is LIVE: a lost broadcast is sent again only then. */
  live: Signal<boolean>;
  /** The capture to send, opened first when there is none yet. */
  capture: () => Promise<Capture | undefined>;
}

/**
 * The console's broadcast (provided by the studio page): publishes the capture to the stream
 * (`MediaService.publish`; publishing again replaces the previous publisher), and sends a lost
 * broadcast (dropped by the server, failed, or disconnected for 2 s: see `watchSession`) again,
 * at once the first time, then with backoff while that keeps failing, as long as the stream is
 * LIVE. Feeds `PublishStats` every 2 s.
 */
@Injectable()
export class StudioPublisher {
  private readonly media = inject(MediaService);
  private readonly stats = inject(PublishStats);

  /** Publish H.264 so the stream is also served over low-latency HLS (kept across visits). */
  readonly forHls = signal(readHlsChoice());
  /** This console is sending (since Go live or Resume, until End). */
  readonly publishing = signal(false);
  /** The broadcast was lost (dropped by the server, failed, disconnected 2 s) and is sent again. */
  readonly reconnecting = signal(false);
  /** The health tile's connection: idle, a WebRTC state, or publishing again. */
  readonly connection = computed<PublisherConnection>(() =>
    this.reconnecting() ? 'reconnecting' : this.stats.health().connection,
  );

  private binding?: PublisherBinding;
  private session?: MediaSessionHandle;
  private unwatch?: () => void;
  /** Attempts to publish again since the broadcast was last connected (the first is at once). */
  private recoveries = 0;
  private recoveryTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    // Health of the outgoing video, every 2 s while publishing.
    interval(STATS_PERIOD_MS)
      .pipe(takeUntilDestroyed())
      // A session closed under it (lost, being published again) has no statistics: skip that reading.
      .subscribe(
        () =>
          void this.stats
            .sample(this.publishing() ? this.session : undefined)
            .catch(() => undefined),
      );
    inject(DestroyRef).onDestroy(() => this.stop());
  }

  /** Call once, from the page's constructor. */
  bind(binding: PublisherBinding): void {
    this.binding = binding;
  }

  private get bound(): PublisherBinding {
    if (!this.binding) throw new Error('StudioPublisher used before bind()');
    return this.binding;
  }

  setForHls(value: boolean): void {
    this.forHls.set(value);
    saveHlsChoice(value);
  }

  /** Sends the capture to `streamId`, replacing this console's previous session. */
  async publish(streamId: string): Promise<void> {
    const capture = await this.bound.capture();
    if (!capture) throw new Error('No camera to publish');
    this.unwatch?.();
    this.session?.close();
    const session = await this.media.publish(
      streamId,
      capture.stream,
      capture.content,
      this.forHls(),
    );
    this.session = session;
    this.stats.restart();
    this.publishing.set(true);
    session.pc.addEventListener('connectionstatechange', () => {
      if (this.session !== session) return;
      this.stats.connectionChanged(session.pc.connectionState);
      if (session.pc.connectionState === 'connected') {
        this.reconnecting.set(false);
        this.recoveries = 0;
      }
    });
    // A lost broadcast is sent again (publishing again replaces the previous publisher).
    this.unwatch = watchSession(session, () => this.recover(streamId, session));
  }

  /** Ends this console's broadcast (ended, left the page): nothing is sent again. */
  stop(): void {
    clearTimeout(this.recoveryTimer);
    this.unwatch?.();
    this.unwatch = undefined;
    this.session?.close();
    this.session = undefined;
    this.reconnecting.set(false);
    this.publishing.set(false);
  }

  /** `lost` is gone: publish again, at once the first time, then with backoff while it fails. */
  private recover(streamId: string, lost: MediaSessionHandle): void {
    if (this.session !== lost || !this.bound.live()) return;
    this.reconnecting.set(true);
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(
      () => {
        if (this.session !== lost || !this.bound.live()) return;
        this.publish(streamId).catch(() => this.recover(streamId, lost));
      },
      recoveryDelayMs(this.recoveries++, reconnectDelayMs),
    );
  }
}

const HLS_CHOICE_KEY = 'finserve.studio.hls';

function readHlsChoice(): boolean {
  try {
    return globalThis.localStorage?.getItem(HLS_CHOICE_KEY) === 'true';
  } catch {
    return false;
  }
}

/** Remembers the streamer's HLS choice in this browser. */
export function saveHlsChoice(value: boolean): void {
  try {
    globalThis.localStorage?.setItem(HLS_CHOICE_KEY, String(value));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

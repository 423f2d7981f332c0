import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { MatSliderModule } from '@angular/material/slider';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Apollo } from 'apollo-angular';

import { reconnectDelayMs } from '@finserve/web/data-access';
import {
  inboundVideoSampleOf,
  MediaService,
  playbackStats,
  recoveryDelayMs,
  watchSession,
  type InboundVideoSample,
  type MediaSessionHandle,
  type PlaybackStats,
} from '@finserve/web/media';

import {
  StreamVideoLayersDocument,
  type PlayerVideoLayerFragment,
  type VideoQuality,
} from './graphql.generated';
import { PlaybackStatsComponent } from './playback-stats.component';
import { nextPlayerState, type PlayerState } from './player-state';
import { playingLayerLabel } from './quality';
import { QualityMenuComponent } from './quality-menu.component';

/** While the stats panel is open, the layers are re-read every this many checks (seconds). */
const LAYER_REFRESH_CHECKS = 5;
/** Readings closer together than this are not compared. */
const MIN_STATS_INTERVAL_MS = 500;

/**
 * WebRTC playback of a LIVE stream: connecting / waiting for the streamer's video /
 * reconnecting states, mute, volume and fullscreen. A lost session (dropped by the server,
 * failed, or disconnected for 2 s: see `watchSession`) is opened again at once, then with
 * backoff while that keeps failing, as long as `active` stays true; the page is never reloaded. The picture quality is "Auto" (the SFU adapts) or a layer the
 * viewer picks, kept across reconnections; "Stats for nerds" shows what arrives, every second.
 */
@Component({
  selector: 'fs-live-player',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatIconModule,
    MatProgressSpinnerModule,
    MatSliderModule,
    MatTooltipModule,
    PlaybackStatsComponent,
    QualityMenuComponent,
  ],
  templateUrl: './live-player.component.html',
  styleUrl: './live-player.component.scss',
})
export class LivePlayerComponent {
  private readonly media = inject(MediaService);
  private readonly apollo = inject(Apollo);

  readonly streamId = input.required<string>();
  /** Play while true (the stream is LIVE); stop when it turns false. */
  readonly active = input(true);

  protected readonly state = signal<PlayerState>('connecting');
  protected readonly labels = {
    mute: $localize`:@@player.mute:Mute`,
    unmute: $localize`:@@player.unmute:Unmute`,
  };
  protected readonly muted = signal(true);
  protected readonly volume = signal(1);
  /** The viewer's choice, asked for again on every (re)connection. */
  protected readonly quality = signal<VideoQuality>('AUTO');
  /** The layers the stream sends, highest first (read when playing starts and the menu opens). */
  protected readonly layers = signal<PlayerVideoLayerFragment[]>([]);
  protected readonly statsOpen = signal(false);
  /** The height of the picture playing when the menu opened. */
  protected readonly playingHeight = signal(0);
  protected readonly stats = signal<PlaybackStats | null>(null);
  protected readonly layerLabel = computed(() =>
    playingLayerLabel(this.quality(), this.stats()?.height ?? 0, this.layers()),
  );

  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly frame = viewChild.required<ElementRef<HTMLElement>>('frame');
  private session?: MediaSessionHandle;
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private unwatch?: () => void;
  private generation = 0;
  private lastFrames = 0;
  private checksWithoutFrame = 0;
  private lastInbound?: InboundVideoSample;
  private checks = 0;

  constructor() {
    effect(() => {
      const streamId = this.streamId();
      const active = this.active();
      untracked(() => (active ? void this.start(streamId, 'connecting') : this.stop()));
    });
    // Once a second: frames arriving (playing) or not (waiting for the streamer's video).
    const checker = setInterval(() => this.check(), 1000);
    inject(DestroyRef).onDestroy(() => {
      clearInterval(checker);
      this.stop();
    });
  }

  protected onPlaying(): void {
    this.state.set('playing');
    this.attempt = 0;
  }

  private check(): void {
    const session = this.session;
    if (!session) return;
    const video = this.video().nativeElement;
    const frames = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    this.checksWithoutFrame = frames > this.lastFrames ? 0 : this.checksWithoutFrame + 1;
    this.lastFrames = frames;
    const connected = session.pc.connectionState === 'connected';
    // Frames again: the next loss is opened again at once.
    if (connected && this.checksWithoutFrame === 0) this.attempt = 0;
    this.state.set(
      nextPlayerState(this.state(), { connected, checksWithoutFrame: this.checksWithoutFrame }),
    );
    if (this.statsOpen()) {
      void this.sampleStats(session);
      if (++this.checks % LAYER_REFRESH_CHECKS === 0) this.refreshLayers();
    }
  }

  private async sampleStats(session: MediaSessionHandle): Promise<void> {
    const sample = inboundVideoSampleOf(await session.pc.getStats(), performance.now());
    if (session !== this.session) return;
    // The panel's first reading and the next check can come a few ms apart: rates over so short a
    // time are noise (5 frames in 50 ms is not 100 fps), so wait for the next second.
    if (sample && this.lastInbound && sample.at - this.lastInbound.at < MIN_STATS_INTERVAL_MS)
      return;
    this.stats.set(sample ? playbackStats(this.lastInbound, sample) : null);
    this.lastInbound = sample;
  }

  protected toggleStats(): void {
    const open = !this.statsOpen();
    this.statsOpen.set(open);
    if (!open) return;
    this.stats.set(null);
    this.lastInbound = undefined;
    this.refreshLayers();
    if (this.session) void this.sampleStats(this.session);
  }

  /** A layer, or AUTO: at once on this session (next keyframe), and on every reconnection. */
  protected chooseQuality(quality: VideoQuality): void {
    this.quality.set(quality);
    const session = this.session;
    // A failure (the session just dropped) is fine: the reconnection asks for the choice.
    if (session) this.media.setPlaybackQuality(session.sessionId, quality).catch(() => undefined);
  }

  protected menuOpened(): void {
    this.playingHeight.set(this.video().nativeElement.videoHeight);
    this.refreshLayers();
  }

  private refreshLayers(): void {
    this.apollo
      .query({
        query: StreamVideoLayersDocument,
        variables: { id: this.streamId() },
        fetchPolicy: 'network-only',
      })
      .subscribe({
        next: (result) => this.layers.set(result.data?.stream?.videoLayers ?? []),
        error: () => undefined,
      });
  }

  protected setVolume(value: number): void {
    this.volume.set(value);
    if (value > 0 && this.muted()) this.muted.set(false);
  }

  protected async toggleFullscreen(): Promise<void> {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await this.frame().nativeElement.requestFullscreen();
  }

  private async start(streamId: string, state: PlayerState): Promise<void> {
    this.stop();
    const generation = ++this.generation;
    this.state.set(state);
    const quality = this.quality();
    try {
      const session = await this.media.play(
        streamId,
        (stream) => {
          const video = this.video().nativeElement;
          if (video.srcObject !== stream) video.srcObject = stream;
        },
        quality,
      );
      if (generation !== this.generation) {
        session.close();
        return;
      }
      this.session = session;
      this.lastFrames = 0;
      this.checksWithoutFrame = 0;
      this.lastInbound = undefined;
      // Chosen while this session was being set up: apply it now.
      if (this.quality() !== quality) this.chooseQuality(this.quality());
      this.refreshLayers();
      this.unwatch = watchSession(session, () => this.retry(streamId, generation));
      session.pc.addEventListener('connectionstatechange', () => {
        const connection = session.pc.connectionState;
        if (generation !== this.generation) return;
        if (connection === 'disconnected') this.state.set('reconnecting');
        if (connection === 'connected' && this.video().nativeElement.readyState >= 2)
          this.state.set('playing');
      });
    } catch {
      this.retry(streamId, generation);
    }
  }

  private retry(streamId: string, generation: number): void {
    if (generation !== this.generation || !this.active()) return;
    this.state.set('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(
      () => void this.start(streamId, 'reconnecting'),
      recoveryDelayMs(this.attempt++, reconnectDelayMs),
    );
  }

  private stop(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.unwatch?.();
    this.unwatch = undefined;
    this.session?.close();
    this.session = undefined;
    this.state.set('stopped');
  }
}

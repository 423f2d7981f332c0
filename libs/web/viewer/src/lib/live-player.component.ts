import {
  ChangeDetectionStrategy,
  Component,
  computed,
  ElementRef,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { MatSliderModule } from '@angular/material/slider';
import { MatTooltipModule } from '@angular/material/tooltip';

import { behindLive, formatBehind, type HlsReading } from './hls-controls';
import { LivePlaybackStore } from './live-playback.store';
import { PlaybackStatsComponent } from './playback-stats.component';
import { QualityMenuComponent } from './quality-menu.component';

/**
 * The player of a LIVE stream: its picture, the connecting / waiting for the streamer's video /
 * reconnecting states, mute, volume, fullscreen, the quality menu ("Auto", a layer, or "Stable":
 * the stream's HLS, a few seconds behind, which also plays by itself when WebRTC cannot connect,
 * and the player says so) and the stats. The playback itself is `LivePlaybackStore`'s.
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
  providers: [LivePlaybackStore],
  templateUrl: './live-player.component.html',
  styleUrl: './live-player.component.scss',
})
export class LivePlayerComponent {
  protected readonly store = inject(LivePlaybackStore);

  readonly streamId = input.required<string>();
  /** Play while true (the stream is LIVE); stop when it turns false. */
  readonly active = input(true);
  /** Stream.hlsUrl: the stream's low-latency HLS, null while it has none. */
  readonly hlsUrl = input<string | null>(null);

  protected readonly labels = {
    mute: $localize`:@@player.mute:Mute`,
    unmute: $localize`:@@player.unmute:Unmute`,
  };
  protected readonly muted = signal(true);
  protected readonly volume = signal(1);
  /** Why HLS plays (the viewer chose it, or WebRTC could not connect); null on WebRTC. */
  protected readonly reason = computed(() => {
    const playback = this.store.playback();
    return playback.mode === 'hls' ? playback.reason : null;
  });
  /** The height of the picture playing when the menu opened. */
  protected readonly playingHeight = signal(0);

  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly frame = viewChild.required<ElementRef<HTMLElement>>('frame');

  constructor() {
    this.store.bind({
      streamId: this.streamId,
      active: this.active,
      hlsUrl: this.hlsUrl,
      video: () => this.video().nativeElement,
    });
  }

  protected menuOpened(): void {
    this.playingHeight.set(this.video().nativeElement.videoHeight);
    this.store.refreshLayers();
  }

  /** The seek bar was let go (drag, click, keys): play from there. */
  protected seek(event: Event): void {
    this.store.seekHls((event.target as HTMLInputElement).valueAsNumber);
  }

  protected behindLabel(reading: HlsReading): string {
    return formatBehind(behindLive(reading));
  }

  protected setVolume(value: number): void {
    this.volume.set(value);
    if (value > 0 && this.muted()) this.muted.set(false);
  }

  protected async toggleFullscreen(): Promise<void> {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await this.frame().nativeElement.requestFullscreen();
  }
}

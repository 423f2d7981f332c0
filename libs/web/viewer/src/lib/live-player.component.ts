import {
  ChangeDetectionStrategy,
  Component,
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

import { reconnectDelayMs } from '@finserve/web/data-access';
import { MediaService, type MediaSessionHandle } from '@finserve/web/media';

export type PlayerState = 'connecting' | 'playing' | 'reconnecting' | 'stopped';

/**
 * WebRTC playback of a LIVE stream: connecting / reconnecting states, mute, volume and
 * fullscreen. A lost connection is re-established with backoff while `active` stays true.
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
  ],
  template: `
    <div #frame class="frame" [attr.data-state]="state()" data-testid="player">
      <video
        #video
        class="video"
        autoplay
        playsinline
        [muted]="muted()"
        [volume]="volume()"
        (playing)="onPlaying()"
        aria-label="Live video"
        data-testid="live-video"
      ></video>
      @if (state() === 'connecting' || state() === 'reconnecting') {
        <div class="overlay" role="status" data-testid="player-status">
          <mat-progress-spinner mode="indeterminate" diameter="40" />
          <span>{{ state() === 'connecting' ? 'Connecting…' : 'Reconnecting…' }}</span>
        </div>
      }
      <div class="controls">
        <button
          mat-icon-button
          type="button"
          (click)="muted.set(!muted())"
          [attr.aria-label]="muted() ? 'Unmute' : 'Mute'"
          [matTooltip]="muted() ? 'Unmute' : 'Mute'"
          data-testid="mute"
        >
          <mat-icon aria-hidden="true">{{ muted() ? 'volume_off' : 'volume_up' }}</mat-icon>
        </button>
        <mat-slider min="0" max="1" step="0.05" class="volume" aria-label="Volume">
          <input
            matSliderThumb
            [value]="volume()"
            (valueChange)="setVolume($event)"
            aria-label="Volume"
          />
        </mat-slider>
        <span class="spacer"></span>
        <button
          mat-icon-button
          type="button"
          (click)="toggleFullscreen()"
          aria-label="Fullscreen"
          matTooltip="Fullscreen"
        >
          <mat-icon aria-hidden="true">fullscreen</mat-icon>
        </button>
      </div>
    </div>
  `,
  styles: `
    .frame {
      position: relative;
      background: #000;
      aspect-ratio: 16 / 9;
      border-radius: 12px;
      overflow: hidden;
      color: #fff;
    }
    .frame:fullscreen {
      border-radius: 0;
    }
    .video {
      width: 100%;
      height: 100%;
      object-fit: contain;
      display: block;
    }
    .overlay {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
      gap: 12px;
      align-items: center;
      justify-content: center;
      background: rgb(0 0 0 / 0.45);
    }
    .controls {
      position: absolute;
      left: 0;
      right: 0;
      bottom: 0;
      display: flex;
      align-items: center;
      gap: 4px;
      padding: 4px 8px;
      background: linear-gradient(transparent, rgb(0 0 0 / 0.7));
      --mat-icon-button-icon-color: #fff;
    }
    .volume {
      width: 110px;
    }
    .spacer {
      flex: 1;
    }
  `,
})
export class LivePlayerComponent {
  private readonly media = inject(MediaService);

  readonly streamId = input.required<string>();
  /** Play while true (the stream is LIVE); stop when it turns false. */
  readonly active = input(true);

  protected readonly state = signal<PlayerState>('connecting');
  protected readonly muted = signal(true);
  protected readonly volume = signal(1);

  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly frame = viewChild.required<ElementRef<HTMLElement>>('frame');
  private session?: MediaSessionHandle;
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private generation = 0;

  constructor() {
    effect(() => {
      const streamId = this.streamId();
      const active = this.active();
      untracked(() => (active ? void this.start(streamId, 'connecting') : this.stop()));
    });
    inject(DestroyRef).onDestroy(() => this.stop());
  }

  protected onPlaying(): void {
    this.state.set('playing');
    this.attempt = 0;
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
    try {
      const session = await this.media.play(streamId, (stream) => {
        const video = this.video().nativeElement;
        if (video.srcObject !== stream) video.srcObject = stream;
      });
      if (generation !== this.generation) {
        session.close();
        return;
      }
      this.session = session;
      session.pc.addEventListener('connectionstatechange', () => {
        const connection = session.pc.connectionState;
        if (generation !== this.generation) return;
        if (connection === 'failed' || connection === 'closed') this.retry(streamId, generation);
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
      reconnectDelayMs(this.attempt++),
    );
  }

  private stop(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.session?.close();
    this.session = undefined;
    this.state.set('stopped');
  }
}

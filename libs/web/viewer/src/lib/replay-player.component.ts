import {
  ChangeDetectionStrategy,
  Component,
  effect,
  ElementRef,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';

/**
 * The replay of an ENDED stream. A recording that cannot be played (a 404, a network or media
 * error) says so, with a retry, instead of sitting at 0:00.
 */
@Component({
  selector: 'fs-replay-player',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule],
  template: `
    <div class="frame" [attr.data-state]="failed() ? 'failed' : 'ok'">
      <video
        #video
        class="replay"
        controls
        preload="metadata"
        [src]="url()"
        (error)="failed.set(true)"
        (loadedmetadata)="failed.set(false)"
        (timeupdate)="currentTime.set(video.currentTime)"
        aria-label="Replay"
        i18n-aria-label="@@replay.label"
        data-testid="replay-video"
      ></video>
      @if (failed()) {
        <div class="overlay" role="alert" data-testid="replay-error">
          <mat-icon aria-hidden="true">error</mat-icon>
          <p i18n="@@replay.failed">The replay could not be loaded.</p>
          <button mat-stroked-button type="button" (click)="retry()" i18n="@@replay.retry">
            Try again
          </button>
        </div>
      }
    </div>
  `,
  styles: `
    .frame {
      position: relative;
      border-radius: 12px;
      overflow: hidden;
      background: #000;
      aspect-ratio: 16 / 9;
    }
    .replay {
      display: block;
      width: 100%;
      height: 100%;
    }
    .overlay {
      position: absolute;
      inset: 0;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 8px;
      padding: 16px;
      text-align: center;
      color: #fff;
      background: rgb(0 0 0 / 0.7);
      --mat-button-outlined-label-text-color: #fff;
    }
    .overlay mat-icon {
      font-size: 40px;
      width: 40px;
      height: 40px;
    }
  `,
})
export class ReplayPlayerComponent {
  readonly url = input.required<string>();
  /** Where the viewer is in the replay, in seconds (what "Clip" starts from). */
  readonly currentTime = signal(0);

  protected readonly failed = signal(false);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');

  constructor() {
    // A new recording URL gets a fresh chance.
    effect(() => {
      this.url();
      this.failed.set(false);
    });
  }

  protected retry(): void {
    this.failed.set(false);
    this.video().nativeElement.load();
  }
}

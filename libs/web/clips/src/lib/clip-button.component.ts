import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  input,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { AuthService, toUiError } from '@finserve/web/data-access';

import {
  ClipCreatedDialogComponent,
  type ClipCreatedDialogData,
} from './clip-created-dialog.component';
import { CLIP_DURATIONS, clipErrorMessage, clipRange, DEFAULT_CLIP_SECONDS } from './clip-logic';
import { CreateClipDocument } from './graphql.generated';

/**
 * "Clip": signed-in users clip the last 15-90 s of a live stream, or as much of a replay from
 * the player's position. The new clip's page link opens in a dialog; a refusal says why (and,
 * rate limited, when to try again).
 */
@Component({
  selector: 'fs-clip-button',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatIconModule, MatMenuModule],
  template: `
    @if (auth.signedIn()) {
      <span class="split" data-testid="clip-button">
        <button
          mat-stroked-button
          type="button"
          class="main"
          [disabled]="busy() || waitSeconds() > 0 || !range()"
          (click)="create()"
          data-testid="clip-create"
        >
          <mat-icon aria-hidden="true">movie</mat-icon>
          @if (waitSeconds() > 0) {
            <span i18n="@@clips.wait">Clip again in {{ waitSeconds() }} s</span>
          } @else if (live()) {
            <span i18n="@@clips.clipLast">Clip the last {{ duration() }} s</span>
          } @else {
            <span i18n="@@clips.clipFromHere">Clip {{ duration() }} s from here</span>
          }
        </button>
        <button
          mat-stroked-button
          type="button"
          class="more"
          [matMenuTriggerFor]="lengths"
          aria-label="Clip length"
          i18n-aria-label="@@clips.lengthLabel"
          data-testid="clip-length"
        >
          <mat-icon aria-hidden="true">arrow_drop_down</mat-icon>
        </button>
      </span>
      <mat-menu #lengths="matMenu">
        @for (seconds of durations; track seconds) {
          <button
            mat-menu-item
            type="button"
            role="menuitemradio"
            [attr.aria-checked]="seconds === duration()"
            (click)="duration.set(seconds)"
            [attr.data-testid]="'clip-length-' + seconds"
          >
            <mat-icon aria-hidden="true">{{
              seconds === duration() ? 'radio_button_checked' : 'radio_button_unchecked'
            }}</mat-icon>
            <span i18n="@@clips.lengthOption">{{ seconds }} s</span>
          </button>
        }
      </mat-menu>
    }
  `,
  styles: `
    .split {
      display: inline-flex;
    }
    .main {
      border-start-end-radius: 0;
      border-end-end-radius: 0;
    }
    .more {
      min-width: 0;
      padding: 0 4px;
      margin-inline-start: -1px;
      border-start-start-radius: 0;
      border-end-start-radius: 0;
    }
    .more mat-icon {
      margin: 0;
    }
  `,
})
export class ClipButtonComponent {
  protected readonly auth = inject(AuthService);
  private readonly apollo = inject(Apollo);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly streamId = input.required<string>();
  /** LIVE: the last seconds; otherwise the replay from `position`. */
  readonly live = input(false);
  /** The replay player's position, in seconds. */
  readonly position = input(0);
  /** The recording's length, to keep a replay clip within it. */
  readonly recordingSeconds = input<number | null>(null);

  protected readonly durations = CLIP_DURATIONS;
  protected readonly duration = signal<number>(DEFAULT_CLIP_SECONDS);
  protected readonly busy = signal(false);
  protected readonly waitSeconds = signal(0);
  protected readonly range = computed(() =>
    clipRange(this.live(), this.duration(), this.position(), this.recordingSeconds()),
  );

  private timer?: ReturnType<typeof setInterval>;

  constructor() {
    inject(DestroyRef).onDestroy(() => clearInterval(this.timer));
  }

  protected async create(): Promise<void> {
    const range = this.range();
    if (!range || this.busy()) return;
    const live = this.live();
    this.busy.set(true);
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: CreateClipDocument,
          variables: { input: { streamId: this.streamId(), ...range } },
          // The stream's clips list (when shown) gets the new one.
          refetchQueries: ['Clips'],
        }),
      );
      const clip = result.data?.createClip;
      if (clip) {
        this.dialog.open<ClipCreatedDialogComponent, ClipCreatedDialogData>(
          ClipCreatedDialogComponent,
          {
            data: { id: clip.id, title: clip.title, durationSeconds: range.durationSeconds },
            width: '480px',
            maxWidth: '95vw',
          },
        );
      }
    } catch (error) {
      const problem = toUiError(error);
      this.snackBar.open(clipErrorMessage(problem, live), $localize`:@@common.dismiss:Dismiss`, {
        duration: 8000,
      });
      if (problem.retryAfterSeconds) this.countDown(problem.retryAfterSeconds);
    } finally {
      this.busy.set(false);
    }
  }

  private countDown(seconds: number): void {
    clearInterval(this.timer);
    this.waitSeconds.set(seconds);
    this.timer = setInterval(() => {
      const left = this.waitSeconds() - 1;
      this.waitSeconds.set(Math.max(0, left));
      if (left <= 0) clearInterval(this.timer);
    }, 1000);
  }
}

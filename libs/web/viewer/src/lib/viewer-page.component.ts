import { DatePipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  untracked,
} from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { switchMap, type Subscription } from 'rxjs';

import { ChatPanelComponent } from '@finserve/web/chat';
import { AuthService } from '@finserve/web/data-access';
import { CountPipe, DurationPipe, LiveBadgeComponent } from '@finserve/web/ui';

import { ViewerStreamDocument, WatchStreamDocument } from './graphql.generated';
import { LivePlayerComponent } from './live-player.component';
import { TipDialogComponent, type TipDialogData } from './tip-dialog.component';

/** `/streams/:id`: the player (live or replay), the stream's figures, chat and tipping. */
@Component({
  selector: 'fs-viewer-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    RouterLink,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    ChatPanelComponent,
    CountPipe,
    DurationPipe,
    LiveBadgeComponent,
    LivePlayerComponent,
  ],
  template: `
    @if (stream(); as stream) {
      <div class="fs-page layout" [attr.data-status]="stream.status" data-testid="viewer-page">
        <div class="main">
          @switch (stream.status) {
            @case ('LIVE') {
              <fs-live-player [streamId]="stream.id" [active]="true" />
            }
            @case ('SCHEDULED') {
              <div class="placeholder" role="status">
                <mat-icon aria-hidden="true">event</mat-icon>
                <p>
                  Starts {{ stream.scheduledFor ?? '' | date: 'medium' }}. Stay on this page: it
                  goes live by itself.
                </p>
              </div>
            }
            @case ('ENDED') {
              @if (replayUrl(); as url) {
                <video
                  class="replay"
                  controls
                  preload="metadata"
                  [src]="url"
                  aria-label="Replay"
                  data-testid="replay-video"
                ></video>
              } @else {
                <div class="placeholder" role="status" data-testid="ended-state">
                  <mat-icon aria-hidden="true">stop_circle</mat-icon>
                  <p>The stream has ended.</p>
                  @if (stream.recording?.status === 'RECORDING') {
                    <p class="quiet">The replay is being prepared…</p>
                  }
                </div>
              }
            }
          }
          <div class="info">
            <div class="title-row">
              @if (stream.status === 'LIVE') {
                <fs-live-badge />
              }
              <h1>{{ stream.title }}</h1>
            </div>
            <div class="facts">
              <span class="streamer">
                <mat-icon aria-hidden="true">account_circle</mat-icon
                >{{ stream.streamer.displayName }}
                <span class="quiet">&#64;{{ stream.streamer.username }}</span>
              </span>
              <span
                class="viewers"
                data-testid="viewer-count"
                [attr.data-count]="stream.viewerCount"
                [attr.aria-label]="stream.viewerCount + ' watching'"
              >
                <mat-icon aria-hidden="true">visibility</mat-icon
                >{{ stream.viewerCount | fsCount }} watching
              </span>
              @if (stream.status === 'ENDED') {
                <span class="quiet">Peak {{ stream.peakViewers }} viewers</span>
              }
              <span class="spacer"></span>
              @if (stream.status === 'LIVE') {
                @if (!auth.signedIn()) {
                  <a
                    mat-stroked-button
                    routerLink="/signin"
                    [queryParams]="{ returnUrl: router.url }"
                    data-testid="tip-signin"
                  >
                    <mat-icon aria-hidden="true">paid</mat-icon>Sign in to tip
                  </a>
                } @else if (auth.user()?.id !== stream.streamer.id) {
                  <button
                    mat-flat-button
                    type="button"
                    (click)="openTip(stream.streamer.displayName)"
                    data-testid="tip-open"
                  >
                    <mat-icon aria-hidden="true">paid</mat-icon>Send tip
                  </button>
                }
              }
              <a mat-button [routerLink]="['/streams', stream.id, 'stats']">
                <mat-icon aria-hidden="true">insights</mat-icon>Stats
              </a>
            </div>
            @if (stream.description) {
              <p class="description">{{ stream.description }}</p>
            }
            @if (stream.status === 'ENDED' && stream.recording?.durationSeconds; as seconds) {
              <p class="quiet">Replay length {{ seconds | fsDuration }}</p>
            }
          </div>
        </div>
        <aside class="side">
          <fs-chat-panel [streamId]="stream.id" [canChat]="stream.status === 'LIVE'" />
        </aside>
      </div>
    } @else if (missing()) {
      <div class="fs-page placeholder" role="alert">
        <mat-icon aria-hidden="true">search_off</mat-icon>
        <p>This stream does not exist.</p>
        <a mat-stroked-button routerLink="/">Back to live streams</a>
      </div>
    } @else {
      <mat-progress-bar mode="indeterminate" aria-label="Loading stream" />
    }
  `,
  styles: `
    .layout {
      display: grid;
      grid-template-columns: minmax(0, 1fr) 360px;
      gap: 16px;
      align-items: start;
    }
    @media (max-width: 959px) {
      .layout {
        grid-template-columns: minmax(0, 1fr);
      }
    }
    .side {
      height: calc(100vh - 112px);
      min-height: 420px;
      position: sticky;
      top: 80px;
    }
    @media (max-width: 959px) {
      .side {
        position: static;
        height: 520px;
      }
    }
    .replay {
      width: 100%;
      aspect-ratio: 16 / 9;
      background: #000;
      border-radius: 12px;
    }
    .placeholder {
      aspect-ratio: 16 / 9;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 8px;
      border-radius: 12px;
      background: var(--mat-sys-surface-container-high);
      text-align: center;
      padding: 16px;
    }
    .placeholder mat-icon {
      font-size: 48px;
      width: 48px;
      height: 48px;
    }
    .title-row {
      display: flex;
      align-items: center;
      gap: 12px;
    }
    h1 {
      font: var(--mat-sys-headline-small);
      margin: 12px 0 8px;
      overflow-wrap: anywhere;
    }
    .facts {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 12px;
    }
    .facts > span {
      display: inline-flex;
      align-items: center;
      gap: 4px;
    }
    .viewers {
      font-variant-numeric: tabular-nums;
      font-weight: 500;
    }
    .spacer {
      flex: 1;
    }
    .quiet {
      color: var(--mat-sys-on-surface-variant);
    }
    .description {
      white-space: pre-wrap;
    }
  `,
})
export class ViewerPageComponent {
  protected readonly auth = inject(AuthService);
  protected readonly router = inject(Router);
  private readonly apollo = inject(Apollo);
  private readonly dialog = inject(MatDialog);

  /** The route's :id. */
  readonly id = input.required<string>();

  private readonly result = toSignal(
    toObservable(this.id).pipe(
      switchMap(
        (id) =>
          this.apollo.watchQuery({
            query: ViewerStreamDocument,
            variables: { id },
            fetchPolicy: 'cache-and-network',
          }).valueChanges,
      ),
    ),
  );
  protected readonly stream = computed(() => {
    const result = this.result();
    return result?.dataState === 'complete' ? result.data.stream : undefined;
  });
  protected readonly replayUrl = computed(() => {
    const recording = this.stream()?.recording;
    return recording?.status === 'READY' ? (recording.url ?? null) : null;
  });
  protected readonly missing = computed(() => {
    const result = this.result();
    if (!result || result.loading) return false;
    // An id that is not a stream id at all is refused by the server (BAD_USER_INPUT).
    return !!result.error || (result.dataState === 'complete' && result.data.stream === null);
  });

  private watch?: Subscription;
  private replayTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    // While this page is open the user counts as a viewer; every change of the stream lands in
    // the normalised cache and so in the view above.
    effect(() => {
      const id = this.id();
      untracked(() => {
        this.watch?.unsubscribe();
        this.watch = this.apollo
          .subscribe({ query: WatchStreamDocument, variables: { id } })
          .subscribe({ error: () => undefined });
      });
    });
    // Once ENDED, the replay appears when the recording is READY (a few bounded re-reads).
    effect(() => {
      const stream = this.stream();
      if (stream?.status === 'ENDED' && stream.recording?.status === 'RECORDING') {
        untracked(() => this.refreshReplay(stream.id, 0));
      }
    });
    inject(DestroyRef).onDestroy(() => {
      this.watch?.unsubscribe();
      clearTimeout(this.replayTimer);
    });
  }

  protected openTip(streamerName: string): void {
    const stream = this.stream();
    if (!stream) return;
    this.dialog.open<TipDialogComponent, TipDialogData>(TipDialogComponent, {
      data: { streamId: stream.id, streamerName },
      width: '440px',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
  }

  private refreshReplay(id: string, attempt: number): void {
    clearTimeout(this.replayTimer);
    if (attempt > 15) return;
    this.replayTimer = setTimeout(() => {
      this.apollo
        .query({ query: ViewerStreamDocument, variables: { id }, fetchPolicy: 'network-only' })
        .subscribe({
          next: (result) => {
            if (result.data?.stream?.recording?.status === 'RECORDING')
              this.refreshReplay(id, attempt + 1);
          },
          error: () => this.refreshReplay(id, attempt + 1),
        });
    }, 2000);
  }
}
